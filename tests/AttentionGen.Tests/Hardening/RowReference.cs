using System;
using AttentionGen.Reference;

namespace AttentionGen.Tests.Hardening;

/// <summary>
/// The contract's math for single output rows: the float64 reference (<see cref="AttentionReference.ForwardRow"/>)
/// and the plain float32 algorithm that defines e32 (the rows of <see cref="Accuracy.PlainFloat32"/>). Shared by both
/// test projects. Lets a test check a few rows of a large problem, or only the rows an
/// injected value reaches, without the cost of a whole reference pass.
/// </summary>
public static class RowReference
{
    /// <summary>Keys row <paramref name="i"/> attends: <c>j &lt; result</c>.</summary>
    public static int AllowedKeys(AttentionShape s, int i, int kvLength) =>
        s.Causal ? Math.Clamp(i + kvLength - s.SeqLen + 1, 0, kvLength) : kvLength;

    /// <summary>Element offset of query/output row <paramref name="i"/> of head <paramref name="h"/>.</summary>
    public static int RowOffset(AttentionShape s, int h, int i) => AttentionReference.Offset(s, h, s.Heads, s.SeqLen, i);

    /// <summary>Element offset of key/value row <paramref name="j"/> of key/value head <paramref name="g"/>.</summary>
    public static int KeyOffset(AttentionShape s, int g, int j) => AttentionReference.Offset(s, g, s.KvHeads, s.KvLen, j);

    /// <summary>Key/value head of query head <paramref name="h"/>.</summary>
    public static int KvHead(AttentionShape s, int h) => h / (s.Heads / s.KvHeads);

    /// <summary>One output row in float64: the reference's own row.</summary>
    public static double[] Exact(AttentionShape s, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int h, int i) =>
        AttentionReference.ForwardRow(s, query, key, value, kvLength, h, i);

    /// <summary>One output row by the plain float32 algorithm that defines e32, with the contract's steps in order
    /// (scale, soft-cap, ALiBi, mask, softmax with the sink).</summary>
    public static float[] Plain(AttentionShape s, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int h, int i, ReadOnlySpan<float> sinks = default, int? queryLength = null)
    {
        int d = s.HeadDim, g = KvHead(s, h), p = i + kvLength - (queryLength ?? s.SeqLen);
        int end = s.Causal ? Math.Clamp(p + 1, 0, kvLength) : kvLength;
        int first = s.Window > 0 ? Math.Max(0, p - s.Window + 1) : 0;
        float slope = s.Alibi ? (float)AlibiSlopes.Slope(h, s.Heads) : 0;
        ReadOnlySpan<float> q = query.Slice(RowOffset(s, h, i), d);
        float[] scores = new float[Math.Max(1, kvLength)];
        float max = s.Sinks ? sinks[h] : float.NegativeInfinity;
        for (int j = first; j < end; j++)
        {
            ReadOnlySpan<float> k = key.Slice(KeyOffset(s, g, j), d);
            float dot = 0;
            for (int c = 0; c < d; c++)
                dot += q[c] * k[c];
            float score = dot * s.Scale;
            if (s.Softcap > 0)
                score = s.Softcap * MathF.Tanh(score / s.Softcap);
            scores[j] = score - slope * Math.Abs(p - j);
            max = MathF.Max(max, scores[j]);
        }

        float[] row = new float[d];
        float sum = s.Sinks ? MathF.Exp(sinks[h] - max) : 0;
        for (int j = first; j < end; j++)
        {
            float weight = MathF.Exp(scores[j] - max);
            sum += weight;
            ReadOnlySpan<float> v = value.Slice(KeyOffset(s, g, j), d);
            for (int c = 0; c < d; c++)
                row[c] += weight * v[c];
        }

        for (int c = 0; c < d; c++)
            row[c] = first >= end ? 0 : row[c] / sum;
        return row;
    }

    /// <summary>The output row of (h, i) in <paramref name="output"/>.</summary>
    public static Span<float> Row(AttentionShape s, Span<float> output, int h, int i) =>
        output.Slice(RowOffset(s, h, i), s.HeadDim);

    /// <summary>Bits of a float, so NaN payloads and signed zeros compare exactly.</summary>
    public static int Bits(float x) => BitConverter.SingleToInt32Bits(x);
}
