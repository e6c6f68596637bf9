using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// The plain triple loop in float32 that one writes first: for each head and query row, every score, a
/// max-subtracted softmax with <see cref="MathF.Exp"/>, then the weighted sum of value rows. No vectors, no
/// blocking; it reads the generated kernel's layout directly.
/// </summary>
public sealed class NaiveAttention : IAttentionPeer
{
    private readonly AttentionShape _shape;
    private readonly float[] _query, _key, _value, _output, _scores;

    public NaiveAttention(AttentionShape shape, float[] query, float[] key, float[] value)
    {
        (_shape, _query, _key, _value) = (shape, query, key, value);
        _output = new float[shape.OutputLength];
        _scores = new float[shape.KvLen];
    }

    public string Name => "Naive";

    public void Run()
    {
        AttentionShape s = _shape;
        int d = s.HeadDim, group = s.Heads / s.KvHeads, causalOffset = s.KvLen - s.SeqLen;
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < s.SeqLen; i++)
            {
                int q = Layouts.RowOffset(s, h, s.Heads, s.SeqLen, i), o = q;
                int allowed = s.Causal ? Math.Clamp(i + causalOffset + 1, 0, s.KvLen) : s.KvLen;
                float max = float.NegativeInfinity;
                for (int j = 0; j < allowed; j++)
                {
                    int k = Layouts.RowOffset(s, h / group, s.KvHeads, s.KvLen, j);
                    float dot = 0;
                    for (int c = 0; c < d; c++)
                        dot += _query[q + c] * _key[k + c];
                    _scores[j] = dot * s.Scale;
                    max = Math.Max(max, _scores[j]);
                }

                float sum = 0;
                for (int j = 0; j < allowed; j++)
                {
                    _scores[j] = MathF.Exp(_scores[j] - max);
                    sum += _scores[j];
                }

                for (int c = 0; c < d; c++)
                {
                    float acc = 0;
                    for (int j = 0; j < allowed; j++)
                        acc += _scores[j] * _value[Layouts.RowOffset(s, h / group, s.KvHeads, s.KvLen, j) + c];
                    _output[o + c] = allowed > 0 ? acc / sum : 0;
                }
            }
        }
    }

    public void CopyOutput(Span<float> output) => _output.CopyTo(output);

    public void Dispose() { }
}
