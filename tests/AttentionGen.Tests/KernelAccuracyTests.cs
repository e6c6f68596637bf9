using System;
using System.Linq;
using AttentionGen.Reference;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>Every kernel of the test assembly against the float64 reference on seeded random inputs, at the full,
/// shortest and an uneven key length, within the contract's bar; parallel and repeated calls bitwise equal.</summary>
public class KernelAccuracyTests
{
    public static TheoryData<string> Kernels => TestKernel.Names(withVariants: true);

    private static int[] KvLengths(TestKernel kernel) =>
        new[] { kernel.Shape.KvLen, 1, Math.Max(1, kernel.Shape.KvLen * 2 / 3 + 1), Math.Max(1, kernel.Shape.KvLen - 5) }
            .Distinct().ToArray();

    [Theory]
    [MemberData(nameof(Kernels))]
    public void MatchesReferenceWithinTheBar(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape shape = kernel.Shape;
        foreach (int kvLength in KvLengths(kernel))
        {
            int seed = HashCode.Combine(name.Length, kvLength);
            // Scaled inputs make logits large enough that the max subtraction matters.
            float[] query = TestData.Random(shape.QueryLength, seed, 3f);
            float[] key = TestData.Random(shape.KeyLength, seed + 1, 3f);
            float[] value = TestData.Random(shape.ValueLength, seed + 2);
            double[] expected = AttentionReference.ForwardExact(shape, query, key, value, kvLength, sinks: kernel.Sinks);
            double e32 = Accuracy.MaxAbsError(Accuracy.PlainFloat32(shape, query, key, value, kvLength, kernel.Sinks), expected);
            double bar = Accuracy.Bar(e32, Accuracy.MaxAbs(expected));

            float[] output = new float[shape.OutputLength];
            kernel.Forward(query, key, value, output, kvLength);
            double error = Accuracy.MaxAbsError(output, expected);
            Assert.True(error <= bar, $"{name} kvLength {kvLength} on {kernel.ActivePath}: error {error:E3} > bar {bar:E3}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ParallelAndRepeatedCallsAreBitwiseEqual(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape shape = kernel.Shape;
        float[] query = TestData.Random(shape.QueryLength, 11), key = TestData.Random(shape.KeyLength, 12),
            value = TestData.Random(shape.ValueLength, 13);
        int kvLength = Math.Max(1, shape.KvLen - 1);
        float[] first = new float[shape.OutputLength], again = new float[shape.OutputLength],
            parallel = new float[shape.OutputLength];
        kernel.Forward(query, key, value, first, kvLength);
        kernel.Forward(query, key, value, again, kvLength);
        kernel.ForwardParallel(query, key, value, parallel, kvLength);
        Assert.Equal(first, again);
        Assert.Equal(first, parallel);

        float[] full = new float[shape.OutputLength], fullParallel = new float[shape.OutputLength],
            explicitFull = new float[shape.OutputLength];
        kernel.ForwardAll(query, key, value, full);
        kernel.ForwardParallelAll(query, key, value, fullParallel);
        kernel.Forward(query, key, value, explicitFull, shape.KvLen);
        Assert.Equal(explicitFull, full);
        Assert.Equal(explicitFull, fullParallel);
    }

    [Theory]
    [InlineData("CausalMoreQueriesThanKeys", 5)] // S = 20, T = 12: rows 0..14 attend nothing
    [InlineData("Causal256", 5)] // whole panels attend nothing, so they run no key block at all
    public void CausalRowsWithoutAllowedKeysAreZero(string name, int kvLength)
    {
        // A NaN query first leaves NaN in the accumulators of the thread's scratch: a panel whose rows attend no key
        // runs no value tile, so it must write zeros, not that scratch (as NaN · 0). The output starts as NaN, so
        // every row must be written.
        TestKernel kernel = TestKernel.All[name];
        AttentionShape shape = kernel.Shape;
        float[] key = TestData.Random(shape.KeyLength, 2), value = TestData.Random(shape.ValueLength, 3);
        float[] output = new float[shape.OutputLength];
        kernel.Forward(Enumerable.Repeat(float.NaN, shape.QueryLength).ToArray(), key, value, output, shape.KvLen);
        Array.Fill(output, float.NaN);
        kernel.Forward(TestData.Random(shape.QueryLength, 1), key, value, output, kvLength);
        // Row i attends keys j <= i + kvLength - SeqLen.
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < shape.SeqLen; i++)
            {
                float[] row = output.AsSpan(AttentionReference.Offset(shape, h, shape.Heads, shape.SeqLen, i), shape.HeadDim).ToArray();
                if (i < shape.SeqLen - kvLength)
                    Assert.All(row, x => Assert.Equal(0f, x));
                else
                    Assert.All(row, x => Assert.True(float.IsFinite(x)));
            }
        }
    }
}
