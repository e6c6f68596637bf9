using System;
using AttentionGen.Arguments;

namespace AttentionGen.Reference;

/// <summary>
/// Plain float64 attention with the contract's exact semantics (layouts, GQA/MQA, bottom-right causal mask,
/// <c>kvLength</c>, scale). Slow by design: it is the yardstick generated kernels are measured against.
/// </summary>
public static class AttentionReference
{
    /// <summary>Computes attention for <paramref name="shape"/> in float64 and rounds the result to float.</summary>
    /// <param name="kvLength">Keys to attend, 1..KvLen; <see langword="null"/> means KvLen.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/> is outside 1..KvLen.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps an input.</exception>
    public static void Forward(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<float> output, int? kvLength = null)
    {
        int keys = kvLength ?? shape.KvLen;
        AttentionArguments.Validate(query, key, value, output, shape.QueryLength, shape.KeyLength,
            shape.ValueLength, shape.OutputLength, keys, shape.KvLen);
        double[] exact = new double[shape.OutputLength];
        Compute(shape, query, key, value, exact, keys);
        for (int n = 0; n < exact.Length; n++)
            output[n] = (float)exact[n];
    }

    /// <summary>Computes attention for <paramref name="shape"/> in float64 without rounding the result.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/> is outside 1..KvLen.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static double[] ForwardExact(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int? kvLength = null)
    {
        int keys = kvLength ?? shape.KvLen;
        AttentionArguments.ValidateInputs(query, key, value, shape.QueryLength, shape.KeyLength, shape.ValueLength,
            keys, shape.KvLen);
        double[] exact = new double[shape.OutputLength];
        Compute(shape, query, key, value, exact, keys);
        return exact;
    }

    /// <summary>
    /// One output row, <c>output[head, position]</c>, in float64, computed exactly as <see cref="ForwardExact"/>
    /// computes it: checks a few rows of a problem too large for a whole reference pass.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/>, <paramref name="head"/> or
    /// <paramref name="position"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static double[] ForwardRow(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int head, int position)
    {
        if ((uint)head >= (uint)shape.Heads)
            throw new ArgumentOutOfRangeException(nameof(head), head, $"head must be in 0..{shape.Heads - 1}.");
        if ((uint)position >= (uint)shape.SeqLen)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position must be in 0..{shape.SeqLen - 1}.");
        AttentionArguments.ValidateInputs(query, key, value, shape.QueryLength, shape.KeyLength, shape.ValueLength,
            kvLength, shape.KvLen);
        double[] row = new double[shape.HeadDim];
        ComputeRow(shape, query, key, value, kvLength, head, position, row, new double[kvLength]);
        return row;
    }

    private static void Compute(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<double> output, int kvLength)
    {
        double[] scores = new double[kvLength];
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < shape.SeqLen; i++)
            {
                ComputeRow(shape, query, key, value, kvLength, h, i,
                    output.Slice(Offset(shape, h, shape.Heads, shape.SeqLen, i), shape.HeadDim), scores);
            }
        }
    }

    private static void ComputeRow(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int h, int i, Span<double> output, double[] scores)
    {
        int d = shape.HeadDim;
        int g = h / (shape.Heads / shape.KvHeads);
        ReadOnlySpan<float> q = query.Slice(Offset(shape, h, shape.Heads, shape.SeqLen, i), d);
        int allowed = shape.Causal ? Math.Min(kvLength, Math.Max(0, i + kvLength - shape.SeqLen + 1)) : kvLength;
        double max = double.NegativeInfinity;
        for (int j = 0; j < allowed; j++)
        {
            ReadOnlySpan<float> k = key.Slice(Offset(shape, g, shape.KvHeads, shape.KvLen, j), d);
            double dot = 0;
            for (int c = 0; c < d; c++)
                dot += (double)q[c] * k[c];
            scores[j] = dot * shape.Scale;
            max = Math.Max(max, scores[j]);
        }

        output.Clear();
        double sum = 0;
        for (int j = 0; j < allowed; j++)
        {
            double p = Math.Exp(scores[j] - max);
            sum += p;
            ReadOnlySpan<float> v = value.Slice(Offset(shape, g, shape.KvHeads, shape.KvLen, j), d);
            for (int c = 0; c < d; c++)
                output[c] += p * v[c];
        }

        // A row with no allowed key has sum 0 and gets zeros, as the contract says.
        for (int c = 0; c < d; c++)
            output[c] = allowed == 0 ? 0 : output[c] / sum;
    }

    /// <summary>Element offset of row <paramref name="position"/> of head <paramref name="head"/>.</summary>
    internal static int Offset(AttentionShape shape, int head, int heads, int length, int position) =>
        shape.Layout == AttentionLayout.HeadMajor
            ? (head * length + position) * shape.HeadDim
            : (position * heads + head) * shape.HeadDim;
}
