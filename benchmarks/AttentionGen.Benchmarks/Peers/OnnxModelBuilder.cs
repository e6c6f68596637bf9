using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// Builds a one-graph ONNX model in memory with OnnxSharp's ONNX protobuf classes: fixed-shape inputs and outputs,
/// constant initializers and nodes, serialized for an ONNX Runtime session.
/// </summary>
public sealed class OnnxModelBuilder
{
    /// <summary>TensorProto.DataType values used here.</summary>
    public const int Float = 1, Int32 = 6;

    private readonly GraphProto _graph = new() { Name = "attention" };
    private bool _usesMicrosoftDomain;

    /// <summary>Declares a graph input of element type <paramref name="elementType"/> and fixed shape.</summary>
    public void AddInput(string name, int elementType, params long[] dims) => _graph.Input.Add(ValueInfo(name, elementType, dims));

    /// <summary>Declares a graph output of element type <paramref name="elementType"/> and fixed shape.</summary>
    public void AddOutput(string name, int elementType, params long[] dims) => _graph.Output.Add(ValueInfo(name, elementType, dims));

    /// <summary>Adds a constant float tensor (an initializer) named <paramref name="name"/>.</summary>
    public void AddInitializer(string name, float[] data, params long[] dims) =>
        _graph.Initializer.Add(Tensor(name, Float, dims, ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()))));

    /// <summary>Adds a constant int32 tensor (an initializer) named <paramref name="name"/>.</summary>
    public void AddInitializer(string name, int[] data, params long[] dims) =>
        _graph.Initializer.Add(Tensor(name, Int32, dims, ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()))));

    /// <summary>Adds a node; an empty input name stands for an omitted optional input, as in ONNX.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, string domain = "", params AttributeProto[] attributes)
    {
        _graph.Node.Add(new NodeProto
        {
            Name = $"{opType}_{_graph.Node.Count}", OpType = opType, Domain = domain,
            Input = { inputs }, Output = { outputs }, Attribute = { attributes },
        });
        _usesMicrosoftDomain |= domain == "com.microsoft";
    }

    /// <summary>Serializes the model: IR version 8, the default opset 17 and, if a node uses it, com.microsoft 1.</summary>
    public byte[] ToModel()
    {
        var model = new ModelProto
        {
            IrVersion = 8, ProducerName = "AttentionGen.Benchmarks", Graph = _graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
        };
        if (_usesMicrosoftDomain)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return model.ToByteArray();
    }

    private static ValueInfoProto ValueInfo(string name, int elementType, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long dim in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }

    // raw_data is little-endian, which is what MemoryMarshal gives on x86-64 and arm64.
    private static TensorProto Tensor(string name, int elementType, long[] dims, ByteString raw) =>
        new() { Name = name, DataType = elementType, Dims = { dims }, RawData = raw };
}

/// <summary>The node attributes the peers use.</summary>
public static class OnnxAttribute
{
    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Single(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An INTS attribute (a list of int64).</summary>
    public static AttributeProto Ints(string name, params long[] values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };
}
