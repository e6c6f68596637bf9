using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// Runs one <see cref="OnnxAttentionModel"/> with ONNX Runtime on one thread: intra-op and inter-op pools of 1,
/// sequential execution, all graph optimizations. Inputs and outputs are OrtValues over the model's pinned
/// float arrays, bound once through an IoBinding, so a call hands ORT no new managed objects.
/// </summary>
public sealed class OnnxAttention : IAttentionPeer
{
    private readonly AttentionShape _shape;
    private readonly OnnxAttentionModel _model;
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];

    public OnnxAttention(OnnxVariant variant, AttentionShape shape, float[] query, float[] key, float[] value, float[]? sinks = null)
    {
        _shape = shape;
        _model = variant == OnnxVariant.FusedOp
            ? OnnxAttentionModels.FusedOp(shape, query, key, value, sinks)
            : OnnxAttentionModels.MatMulSoftmax(shape, query, key, value);
        Name = variant == OnnxVariant.FusedOp ? "ORT MHA" : "ORT MatMul/Softmax";

        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(_model.Model, _options);
        _binding = _session.CreateIoBinding();
        foreach (OnnxTensor input in _model.Inputs)
            _binding.BindInput(input.Name, Wrap(input));
        foreach (OnnxTensor output in _model.Outputs)
            _binding.BindOutput(output.Name, Wrap(output));
    }

    public string Name { get; }

    /// <summary>The ONNX op that does the attention (MultiHeadAttention, GroupQueryAttention or MatMul+Softmax).</summary>
    public string OpName => _model.OpName;

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void CopyOutput(Span<float> output)
    {
        float[] result = _model.Outputs[0].Data;
        if (_model.OutputLayout == AttentionLayout.TokenMajor)
            Layouts.FromTokenMajor(_shape, result, _shape.Heads, _shape.SeqLen, output);
        else
            Layouts.FromHeadMajor(_shape, result, _shape.Heads, _shape.SeqLen, output);
    }

    public void Dispose()
    {
        _binding.Dispose();
        foreach (OrtValue value in _values)
            value.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _options.Dispose();
    }

    // CreateTensorValueFromMemory pins the array for the OrtValue's lifetime: ORT reads and writes it in place.
    private OrtValue Wrap(OnnxTensor tensor)
    {
        OrtValue value = OrtValue.CreateTensorValueFromMemory(tensor.Data, tensor.Dims);
        _values.Add(value);
        return value;
    }
}
