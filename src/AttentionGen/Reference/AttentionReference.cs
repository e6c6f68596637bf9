using System;
using AttentionGen.Arguments;

namespace AttentionGen.Reference;

/// <summary>
/// Plain float64 attention with the contract's exact semantics (layouts, GQA/MQA, bottom-right causal mask,
/// runtime query and key lengths, batches, scale). Slow by design: it is the yardstick generated kernels are measured against.
/// </summary>
public static class AttentionReference
{
    /// <summary>Computes attention for <paramref name="shape"/> in float64 and rounds the result to float. Only output
    /// rows below <paramref name="queryLength"/> are written, as a generated kernel writes them.</summary>
    /// <param name="kvLength">Keys to attend, 1..KvLen; <see langword="null"/> means KvLen.</param>
    /// <param name="queryLength">Query rows, 1..SeqLen; <see langword="null"/> means SeqLen.</param>
    /// <param name="sinks">One sink logit per query head, when <see cref="AttentionShape.Sinks"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A length is out of its range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps an input.</exception>
    public static void Forward(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<float> output, int? kvLength = null, int? queryLength = null,
        ReadOnlySpan<float> sinks = default)
    {
        int keys = kvLength ?? shape.KvLen, rows = queryLength ?? shape.SeqLen;
        AttentionArguments.Validate(query, key, value, output, shape.QueryLength, shape.KeyLength,
            shape.ValueLength, shape.OutputLength, rows, shape.SeqLen, keys, shape.KvLen);
        if (shape.Sinks)
            AttentionArguments.ValidateSinks(sinks, shape.Heads);
        double[] exact = new double[shape.OutputLength];
        Compute(shape, query, key, value, sinks, exact, rows, keys);
        for (int n = 0; n < exact.Length; n++)
        {
            if (!IsPastQueryLength(shape, n, rows))
                output[n] = (float)exact[n];
        }
    }

    /// <summary>Computes a batch as <c>ForwardBatch</c> does: item b, at b times each tensor's element count, as
    /// <see cref="Forward"/> with <paramref name="queryLengths"/>[b] and <paramref name="kvLengths"/>[b].</summary>
    /// <exception cref="ArgumentOutOfRangeException">A length is out of its range.</exception>
    /// <exception cref="ArgumentException">The batch is empty or its length spans differ, a span is too short, or
    /// <paramref name="output"/> overlaps an input.</exception>
    public static void ForwardBatch(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths,
        ReadOnlySpan<float> sinks = default)
    {
        AttentionArguments.ValidateBatch(query, key, value, output, shape.QueryLength, shape.KeyLength, shape.ValueLength,
            shape.OutputLength, queryLengths, shape.SeqLen, kvLengths, shape.KvLen);
        for (int b = 0; b < queryLengths.Length; b++)
        {
            Forward(shape, query.Slice(b * shape.QueryLength, shape.QueryLength), key.Slice(b * shape.KeyLength, shape.KeyLength),
                value.Slice(b * shape.ValueLength, shape.ValueLength), output.Slice(b * shape.OutputLength, shape.OutputLength),
                kvLengths[b], queryLengths[b], sinks);
        }
    }

    /// <summary>Computes attention for <paramref name="shape"/> in float64 without rounding the result. Rows at or past
    /// <paramref name="queryLength"/> are not computed: they hold NaN.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A length is out of its range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static double[] ForwardExact(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int? kvLength = null, int? queryLength = null, ReadOnlySpan<float> sinks = default)
    {
        int keys = kvLength ?? shape.KvLen, rows = queryLength ?? shape.SeqLen;
        if ((uint)(rows - 1) >= (uint)shape.SeqLen)
            throw new ArgumentOutOfRangeException(nameof(queryLength), rows, $"queryLength must be between 1 and SeqLen ({shape.SeqLen}).");
        AttentionArguments.ValidateInputs(query, key, value, shape.QueryLength, shape.KeyLength, shape.ValueLength,
            keys, shape.KvLen);
        if (shape.Sinks)
            AttentionArguments.ValidateSinks(sinks, shape.Heads);
        double[] exact = new double[shape.OutputLength];
        Compute(shape, query, key, value, sinks, exact, rows, keys);
        return exact;
    }

    private static bool IsPastQueryLength(AttentionShape shape, int element, int queryLength)
    {
        int row = element / shape.HeadDim;
        int position = shape.Layout == AttentionLayout.HeadMajor ? row % shape.SeqLen : row / shape.Heads;
        return position >= queryLength;
    }

    /// <summary>
    /// One output row, <c>output[head, position]</c>, in float64, computed exactly as <see cref="ForwardExact"/>
    /// computes it: checks a few rows of a problem too large for a whole reference pass.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/>, <paramref name="head"/> or
    /// <paramref name="position"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static double[] ForwardRow(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int head, int position, ReadOnlySpan<float> sinks = default)
    {
        if ((uint)head >= (uint)shape.Heads)
            throw new ArgumentOutOfRangeException(nameof(head), head, $"head must be in 0..{shape.Heads - 1}.");
        if ((uint)position >= (uint)shape.SeqLen)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position must be in 0..{shape.SeqLen - 1}.");
        AttentionArguments.ValidateInputs(query, key, value, shape.QueryLength, shape.KeyLength, shape.ValueLength,
            kvLength, shape.KvLen);
        if (shape.Sinks)
            AttentionArguments.ValidateSinks(sinks, shape.Heads);
        double[] row = new double[shape.HeadDim];
        ComputeRow(shape, query, key, value, sinks, shape.SeqLen, kvLength, head, position, row, new double[kvLength]);
        return row;
    }

    private static void Compute(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, ReadOnlySpan<float> sinks, Span<double> output, int queryLength, int kvLength)
    {
        output.Fill(double.NaN);
        double[] scores = new double[kvLength];
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < queryLength; i++)
            {
                ComputeRow(shape, query, key, value, sinks, queryLength, kvLength, h, i,
                    output.Slice(Offset(shape, h, shape.Heads, shape.SeqLen, i), shape.HeadDim), scores);
            }
        }
    }

    /// <summary>Row i of <paramref name="queryLength"/> stands at position <c>p = i + kvLength − queryLength</c>
    /// (bottom-right). The contract's steps, in order: scale, soft-cap, ALiBi bias, mask (causal and window), softmax
    /// with the sink in its denominator.</summary>
    private static void ComputeRow(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, ReadOnlySpan<float> sinks, int queryLength, int kvLength, int h, int i, Span<double> output,
        double[] scores)
    {
        int d = shape.HeadDim;
        int g = h / (shape.Heads / shape.KvHeads);
        int p = i + kvLength - queryLength;
        ReadOnlySpan<float> q = query.Slice(Offset(shape, h, shape.Heads, shape.SeqLen, i), d);
        int end = shape.Causal ? Math.Min(kvLength, Math.Max(0, p + 1)) : kvLength;
        int first = shape.Window > 0 ? Math.Max(0, p - shape.Window + 1) : 0;
        double slope = shape.Alibi ? AlibiSlopes.Slope(h, shape.Heads) : 0;
        double max = shape.Sinks ? sinks[h] : double.NegativeInfinity;
        for (int j = first; j < end; j++)
        {
            ReadOnlySpan<float> k = key.Slice(Offset(shape, g, shape.KvHeads, shape.KvLen, j), d);
            double dot = 0;
            for (int c = 0; c < d; c++)
                dot += (double)q[c] * k[c];
            double s = dot * shape.Scale;
            if (shape.Softcap > 0)
                s = shape.Softcap * Math.Tanh(s / shape.Softcap);
            s -= slope * Math.Abs(p - j);
            scores[j] = s;
            max = Math.Max(max, s);
        }

        output.Clear();
        double sum = shape.Sinks ? Math.Exp(sinks[h] - max) : 0;
        for (int j = first; j < end; j++)
        {
            double weight = Math.Exp(scores[j] - max);
            sum += weight;
            ReadOnlySpan<float> v = value.Slice(Offset(shape, g, shape.KvHeads, shape.KvLen, j), d);
            for (int c = 0; c < d; c++)
                output[c] += weight * v[c];
        }

        // A row with no allowed key gets zeros, with or without a sink, as the contract says.
        for (int c = 0; c < d; c++)
            output[c] = first >= end ? 0 : output[c] / sum;
    }

    /// <summary>Element offset of row <paramref name="position"/> of head <paramref name="head"/>.</summary>
    internal static int Offset(AttentionShape shape, int head, int heads, int length, int position) =>
        shape.Layout == AttentionLayout.HeadMajor
            ? (head * length + position) * shape.HeadDim
            : (position * heads + head) * shape.HeadDim;
}
