using System;
using System.Linq;
using AttentionGen.Reference;
using AttentionGen.Tests.Hardening;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// Runtime query and key lengths and batches on every kernel: inputs past the call's lengths hold NaN (read, they would
/// poison the result), output rows past <c>queryLength</c> hold a sentinel that must survive, and each batch item must
/// compute what <c>Forward</c> computes on its own slices.
/// </summary>
public class RuntimeLengthTests
{
    private const float Sentinel = -9876.25f;

    public static TheoryData<string> Kernels => TestKernel.Names(withVariants: true);

    /// <summary>Query lengths worth a check: one row, a ragged middle, all rows but one.</summary>
    private static int[] QueryLengths(AttentionShape s) =>
        new[] { 1, s.SeqLen / 2 + 1, s.SeqLen - 1 }.Where(n => n >= 1 && n < s.SeqLen).Distinct().ToArray();

    /// <summary>Random inputs with NaN in every query row at or past <paramref name="queryLength"/> and every key and
    /// value position at or past <paramref name="kvLength"/>.</summary>
    private static (float[] Query, float[] Key, float[] Value) Inputs(AttentionShape s, int seed, int queryLength, int kvLength)
    {
        float[] query = TestData.Random(s.QueryLength, seed), key = TestData.Random(s.KeyLength, seed + 1), value = TestData.Random(s.ValueLength, seed + 2);
        for (int h = 0; h < s.Heads; h++)
            for (int i = queryLength; i < s.SeqLen; i++)
                query.AsSpan(RowReference.RowOffset(s, h, i), s.HeadDim).Fill(float.NaN);
        for (int g = 0; g < s.KvHeads; g++)
        {
            for (int j = kvLength; j < s.KvLen; j++)
            {
                key.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(float.NaN);
                value.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(float.NaN);
            }
        }

        return (query, key, value);
    }

    /// <summary>Checks rows below <paramref name="queryLength"/> against the float64 reference and that the others
    /// still hold the sentinel. The bar is loose (the golden tests hold the contract's): what breaks here, a wrong row,
    /// key range or causal offset, moves an output by far more.</summary>
    private static void AssertRows(AttentionShape s, ReadOnlySpan<float> output, double[] expected, int queryLength, string what)
    {
        double bar = 5e-5 * Math.Max(1, Accuracy.MaxAbs(expected.Where(x => !double.IsNaN(x)).ToArray()));
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < s.SeqLen; i++)
            {
                int at = RowReference.RowOffset(s, h, i);
                for (int d = 0; d < s.HeadDim; d++)
                {
                    if (i >= queryLength)
                        Assert.True(output[at + d] == Sentinel, $"{what}: row ({h}, {i}) past queryLength {queryLength} was written");
                    else
                        Assert.True(Math.Abs(output[at + d] - expected[at + d]) <= bar, $"{what}: row ({h}, {i}) is {output[at + d]}, expected {expected[at + d]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ARuntimeQueryLengthReadsAndWritesOnlyItsRows(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        foreach (int queryLength in QueryLengths(s))
        {
            foreach (int kvLength in new[] { s.KvLen, Math.Max(1, s.KvLen / 3) }.Distinct())
            {
                var (query, key, value) = Inputs(s, 40 + queryLength, queryLength, kvLength);
                double[] expected = AttentionReference.ForwardExact(s, query, key, value, kvLength, queryLength, kernel.Sinks);
                float[] output = new float[s.OutputLength], parallel = new float[s.OutputLength];
                output.AsSpan().Fill(Sentinel);
                parallel.AsSpan().Fill(Sentinel);
                kernel.ForwardLengths(query, key, value, output, queryLength, kvLength);
                kernel.ForwardParallelLengths(query, key, value, parallel, queryLength, kvLength);
                AssertRows(s, output, expected, queryLength, $"{name} at {queryLength} × {kvLength}");
                Assert.Equal(output, parallel); // the same work items, whatever thread runs them
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void TheCompiledLengthsAreTheOverloadsWithoutLengths(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        var (query, key, value) = Inputs(s, 7, s.SeqLen, s.KvLen);
        float[] all = new float[s.OutputLength], lengths = new float[s.OutputLength];
        kernel.ForwardAll(query, key, value, all);
        kernel.ForwardLengths(query, key, value, lengths, s.SeqLen, s.KvLen);
        Assert.Equal(all, lengths);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EachBatchItemComputesWhatForwardComputesOnItsSlices(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        int[] queryLengths = { s.SeqLen, Math.Max(1, s.SeqLen / 2), 1 };
        int[] kvLengths = { Math.Max(1, s.KvLen / 2), s.KvLen, 1 };
        int items = queryLengths.Length;
        float[] query = new float[items * s.QueryLength], key = new float[items * s.KeyLength], value = new float[items * s.ValueLength];
        float[] batch = new float[items * s.OutputLength], single = new float[items * s.OutputLength];
        batch.AsSpan().Fill(Sentinel);
        single.AsSpan().Fill(Sentinel);
        for (int b = 0; b < items; b++)
        {
            var (q, k, v) = Inputs(s, 100 + 3 * b, queryLengths[b], kvLengths[b]);
            q.CopyTo(query, b * s.QueryLength);
            k.CopyTo(key, b * s.KeyLength);
            v.CopyTo(value, b * s.ValueLength);
        }

        kernel.ForwardBatch(query, key, value, batch, queryLengths, kvLengths);
        for (int b = 0; b < items; b++)
        {
            kernel.ForwardLengths(query.AsSpan(b * s.QueryLength, s.QueryLength), key.AsSpan(b * s.KeyLength, s.KeyLength),
                value.AsSpan(b * s.ValueLength, s.ValueLength), single.AsSpan(b * s.OutputLength, s.OutputLength), queryLengths[b], kvLengths[b]);
        }

        // This implementation computes each item exactly as Forward does, so the bits agree (the contract only asks
        // for the accuracy bar): an item that read another's lengths or rows would differ.
        Assert.Equal(single, batch);
        float[] again = new float[batch.Length];
        again.AsSpan().Fill(Sentinel);
        kernel.ForwardBatch(query, key, value, again, queryLengths, kvLengths);
        Assert.Equal(batch, again);
    }
}
