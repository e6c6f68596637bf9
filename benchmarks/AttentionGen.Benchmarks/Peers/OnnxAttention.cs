using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>Runs one <see cref="OnnxAttentionModel"/> with ONNX Runtime on one thread (<see cref="OnnxBoundSession"/>),
/// over the model's pinned float arrays.</summary>
public sealed class OnnxAttention : IAttentionPeer
{
    private readonly AttentionShape _shape;
    private readonly OnnxAttentionModel _model;
    private readonly OnnxBoundSession _session;

    public OnnxAttention(OnnxVariant variant, AttentionShape shape, float[] query, float[] key, float[] value, float[]? sinks = null)
    {
        _shape = shape;
        _model = variant == OnnxVariant.FusedOp
            ? OnnxAttentionModels.FusedOp(shape, query, key, value, sinks)
            : OnnxAttentionModels.MatMulSoftmax(shape, query, key, value);
        Name = variant == OnnxVariant.FusedOp ? "ORT MHA" : "ORT MatMul/Softmax";
        _session = new OnnxBoundSession(_model.Model);
        foreach (OnnxTensor input in _model.Inputs)
            _session.Bind(input.Name, input.Data, input.Dims, input: true);
        foreach (OnnxTensor output in _model.Outputs)
            _session.Bind(output.Name, output.Data, output.Dims, input: false);
    }

    public string Name { get; }

    /// <summary>The ONNX op that does the attention (MultiHeadAttention, GroupQueryAttention or MatMul+Softmax).</summary>
    public string OpName => _model.OpName;

    public void Run() => _session.Run();

    public void CopyOutput(Span<float> output)
    {
        float[] result = _model.Outputs[0].Data;
        if (_model.OutputLayout == AttentionLayout.TokenMajor)
            Layouts.FromTokenMajor(_shape, result, _shape.Heads, _shape.SeqLen, output);
        else
            Layouts.FromHeadMajor(_shape, result, _shape.Heads, _shape.SeqLen, output);
    }

    public void Dispose() => _session.Dispose();
}
