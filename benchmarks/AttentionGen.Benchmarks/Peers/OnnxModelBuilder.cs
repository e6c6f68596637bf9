using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// Builds a one-graph ONNX model in memory and serializes it as protobuf. No ONNX model-building library is
/// available to .NET here, so this writes the few messages the peers need by hand: ModelProto, GraphProto,
/// NodeProto, AttributeProto, ValueInfoProto (tensor types only) and TensorProto (raw_data only). Field numbers
/// are those of onnx/onnx.proto; only varint (wire type 0), 32-bit float (wire type 5) and length-delimited
/// (wire type 2) fields occur.
/// </summary>
public sealed class OnnxModelBuilder
{
    /// <summary>TensorProto.DataType values used here.</summary>
    public const int Float = 1, Int32 = 6, Int64 = 7;

    private readonly List<byte[]> _nodes = [], _initializers = [], _inputs = [], _outputs = [];

    /// <summary>Declares a graph input of element type <paramref name="elementType"/> and fixed shape.</summary>
    public void AddInput(string name, int elementType, params long[] dims) => _inputs.Add(ValueInfo(name, elementType, dims));

    /// <summary>Declares a graph output of element type <paramref name="elementType"/> and fixed shape.</summary>
    public void AddOutput(string name, int elementType, params long[] dims) => _outputs.Add(ValueInfo(name, elementType, dims));

    /// <summary>Adds a constant float tensor (an initializer) named <paramref name="name"/>.</summary>
    public void AddInitializer(string name, float[] data, params long[] dims) =>
        _initializers.Add(Tensor(name, Float, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray()));

    /// <summary>Adds a constant int32 tensor (an initializer) named <paramref name="name"/>.</summary>
    public void AddInitializer(string name, int[] data, params long[] dims) =>
        _initializers.Add(Tensor(name, Int32, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray()));

    /// <summary>Adds a node; an empty input name stands for an omitted optional input, as in ONNX.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, string domain = "",
        params OnnxAttribute[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
            node.String(1, input);
        foreach (string output in outputs)
            node.String(2, output);
        node.String(3, $"{opType}_{_nodes.Count}");
        node.String(4, opType);
        foreach (OnnxAttribute attribute in attributes)
            node.Bytes(5, attribute.Encode());
        if (domain.Length > 0)
            node.String(7, domain);
        _nodes.Add(node.ToArray());
    }

    /// <summary>Serializes the model: IR version 8, the default opset 17 and, if any node uses it, com.microsoft 1.</summary>
    public byte[] ToModel(bool usesMicrosoftDomain)
    {
        var graph = new ProtoWriter();
        foreach (byte[] node in _nodes)
            graph.Bytes(1, node);
        graph.String(2, "attention");
        foreach (byte[] initializer in _initializers)
            graph.Bytes(5, initializer);
        foreach (byte[] input in _inputs)
            graph.Bytes(11, input);
        foreach (byte[] output in _outputs)
            graph.Bytes(12, output);

        var model = new ProtoWriter();
        model.Varint(1, 8); // ir_version
        model.String(2, "AttentionGen.Benchmarks"); // producer_name
        model.Bytes(7, graph.ToArray());
        model.Bytes(8, OpsetImport("", 17));
        if (usesMicrosoftDomain)
            model.Bytes(8, OpsetImport("com.microsoft", 1));
        return model.ToArray();
    }

    private static byte[] OpsetImport(string domain, long version)
    {
        var opset = new ProtoWriter();
        opset.String(1, domain);
        opset.Varint(2, version);
        return opset.ToArray();
    }

    // ValueInfoProto { name = 1; type = 2 } → TypeProto { tensor_type = 1 } → Tensor { elem_type = 1; shape = 2 }
    // → TensorShapeProto { dim = 1 } → Dimension { dim_value = 1 }.
    private static byte[] ValueInfo(string name, int elementType, long[] dims)
    {
        var shape = new ProtoWriter();
        foreach (long dim in dims)
        {
            var dimension = new ProtoWriter();
            dimension.Varint(1, dim);
            shape.Bytes(1, dimension.ToArray());
        }

        var tensorType = new ProtoWriter();
        tensorType.Varint(1, elementType);
        tensorType.Bytes(2, shape.ToArray());
        var type = new ProtoWriter();
        type.Bytes(1, tensorType.ToArray());
        var info = new ProtoWriter();
        info.String(1, name);
        info.Bytes(2, type.ToArray());
        return info.ToArray();
    }

    // TensorProto { dims = 1 (repeated, unpacked is always accepted); data_type = 2; name = 8; raw_data = 9 }.
    // raw_data is little-endian, which is what MemoryMarshal gives on x86-64 and arm64.
    private static byte[] Tensor(string name, int elementType, long[] dims, byte[] raw)
    {
        var tensor = new ProtoWriter();
        foreach (long dim in dims)
            tensor.Varint(1, dim);
        tensor.Varint(2, elementType);
        tensor.String(8, name);
        tensor.Bytes(9, raw);
        return tensor.ToArray();
    }
}

/// <summary>An AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20 (FLOAT = 1, INT = 2, INTS = 7).</summary>
public sealed class OnnxAttribute
{
    private readonly string _name;
    private readonly int _type;
    private readonly float _float;
    private readonly long[] _ints;

    private OnnxAttribute(string name, int type, float f, long[] ints) => (_name, _type, _float, _ints) = (name, type, f, ints);

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, 2, 0, [value]);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Single(string name, float value) => new(name, 1, value, []);

    /// <summary>An INTS attribute (a list of int64).</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, 7, 0, values);

    internal byte[] Encode()
    {
        var attribute = new ProtoWriter();
        attribute.String(1, _name);
        if (_type == 1)
            attribute.Fixed32(2, _float);
        else if (_type == 2)
            attribute.Varint(3, _ints[0]);
        else
            foreach (long value in _ints)
                attribute.Varint(8, value); // repeated int64, unpacked: the proto2 default every parser accepts
        attribute.Varint(20, _type);
        return attribute.ToArray();
    }
}

/// <summary>The protobuf wire format, just the parts ONNX models need.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public void Varint(int field, long value)
    {
        Tag(field, 0);
        WriteVarint((ulong)value); // negative int64 values take ten bytes, as protobuf specifies
    }

    public void Fixed32(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value); // protobuf fixed32 is little-endian
        _stream.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
    }

    public byte[] ToArray() => _stream.ToArray();

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _stream.WriteByte((byte)value);
    }
}
