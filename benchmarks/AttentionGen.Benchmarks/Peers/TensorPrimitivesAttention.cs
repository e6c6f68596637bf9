using System;
using System.Numerics.Tensors;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// What a .NET developer writes with System.Numerics.Tensors: per head and query row, one
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per key for the scores, the
/// softmax from Max/Subtract/Exp/Sum, and one MultiplyAdd per value row into the output row. Vectorized
/// primitives, but one pass over memory each and no register blocking. Scratch is allocated once here.
/// </summary>
public sealed class TensorPrimitivesAttention : IAttentionPeer
{
    private readonly AttentionShape _shape;
    private readonly float[] _query, _key, _value, _output, _scores;

    public TensorPrimitivesAttention(AttentionShape shape, float[] query, float[] key, float[] value)
    {
        (_shape, _query, _key, _value) = (shape, query, key, value);
        _output = new float[shape.OutputLength];
        _scores = new float[shape.KvLen];
    }

    public string Name => "TensorPrimitives";

    public void Run()
    {
        AttentionShape s = _shape;
        int d = s.HeadDim, group = s.Heads / s.KvHeads, causalOffset = s.KvLen - s.SeqLen;
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < s.SeqLen; i++)
            {
                ReadOnlySpan<float> q = _query.AsSpan(Layouts.RowOffset(s, h, s.Heads, s.SeqLen, i), d);
                Span<float> o = _output.AsSpan(Layouts.RowOffset(s, h, s.Heads, s.SeqLen, i), d);
                int allowed = s.Causal ? Math.Clamp(i + causalOffset + 1, 0, s.KvLen) : s.KvLen;
                o.Clear();
                if (allowed == 0)
                    continue;

                Span<float> scores = _scores.AsSpan(0, allowed);
                for (int j = 0; j < allowed; j++)
                    scores[j] = TensorPrimitives.Dot(q, _key.AsSpan(Layouts.RowOffset(s, h / group, s.KvHeads, s.KvLen, j), d));
                TensorPrimitives.Multiply(scores, s.Scale, scores);
                TensorPrimitives.Subtract(scores, TensorPrimitives.Max(scores), scores);
                TensorPrimitives.Exp(scores, scores);
                float sum = TensorPrimitives.Sum(scores);

                for (int j = 0; j < allowed; j++)
                {
                    ReadOnlySpan<float> v = _value.AsSpan(Layouts.RowOffset(s, h / group, s.KvHeads, s.KvLen, j), d);
                    TensorPrimitives.MultiplyAdd(v, scores[j], o, o);
                }

                TensorPrimitives.Multiply(o, 1 / sum, o);
            }
        }
    }

    public void CopyOutput(Span<float> output) => _output.CopyTo(output);

    public void Dispose() { }
}
