using System;
using System.Linq;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The decoder variants' semantics, checked against a float64 row written here from the contract's steps: scale,
/// soft-cap, ALiBi bias, mask (causal and window), softmax with the sink. Each test also computes the row with one
/// plausible mistake (the steps swapped, a window one key off, a sink scaled or capped) and requires the kernel to be
/// far from it, so a kernel that made that mistake would fail.
/// </summary>
public class DecoderVariantTests
{
    public enum Mistake { None, BiasBeforeCap, WindowOneWider, WindowOneNarrower, SinkScaled, SinkCapped }

    /// <summary>Output row (h, i) of a call with <paramref name="queryLength"/> rows and <paramref name="kvLength"/>
    /// keys, in float64, with <paramref name="mistake"/> made on purpose.</summary>
    private static double[] ContractRow(AttentionShape s, float[] query, float[] key, float[] value, float[] sinks, int h, int i,
        int queryLength, int kvLength, Mistake mistake)
    {
        int d = s.HeadDim, g = h / (s.Heads / s.KvHeads), p = i + kvLength - queryLength;
        int window = s.Window + mistake switch { Mistake.WindowOneWider => 1, Mistake.WindowOneNarrower => -1, _ => 0 };
        int first = s.Window > 0 ? Math.Max(0, p - window + 1) : 0, end = s.Causal ? Math.Clamp(p + 1, 0, kvLength) : kvLength;
        double slope = s.Alibi ? AlibiSlopes.Slope(h, s.Heads) : 0;
        double Cap(double x) => s.Softcap > 0 ? s.Softcap * Math.Tanh(x / s.Softcap) : x;

        var scores = new double[kvLength];
        for (int j = first; j < end; j++)
        {
            double dot = 0;
            for (int c = 0; c < d; c++)
                dot += (double)query[RowOffset(s, h, i) + c] * key[KeyOffset(s, g, j) + c];
            double bias = slope * Math.Abs(p - j);
            scores[j] = mistake == Mistake.BiasBeforeCap ? Cap(dot * s.Scale - bias) : Cap(dot * s.Scale) - bias;
        }

        double sink = mistake switch
        {
            Mistake.SinkScaled => sinks[h] * s.Scale,
            Mistake.SinkCapped => Cap(sinks[h]),
            _ => sinks.Length > 0 ? sinks[h] : double.NegativeInfinity,
        };
        double max = Math.Max(sink, Enumerable.Range(first, Math.Max(0, end - first)).Select(j => scores[j]).DefaultIfEmpty(double.NegativeInfinity).Max());
        double sum = s.Sinks ? Math.Exp(sink - max) : 0;
        var row = new double[d];
        for (int j = first; j < end; j++)
        {
            double weight = Math.Exp(scores[j] - max);
            sum += weight;
            for (int c = 0; c < d; c++)
                row[c] += weight * value[KeyOffset(s, g, j) + c];
        }

        return row.Select(x => first >= end ? 0 : x / sum).ToArray();
    }

    private static int RowOffset(AttentionShape s, int h, int i) => Reference.AttentionReference.Offset(s, h, s.Heads, s.SeqLen, i);

    private static int KeyOffset(AttentionShape s, int g, int j) => Reference.AttentionReference.Offset(s, g, s.KvHeads, s.KvLen, j);

    /// <summary>The largest difference between the kernel's rows and the contract's rows made with
    /// <paramref name="mistake"/>, over every computed row.</summary>
    private static double Distance(TestKernel kernel, float[] query, float[] key, float[] value, float[] output, int queryLength,
        int kvLength, Mistake mistake)
    {
        AttentionShape s = kernel.Shape;
        double distance = 0;
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < queryLength; i++)
            {
                double[] expected = ContractRow(s, query, key, value, kernel.Sinks, h, i, queryLength, kvLength, mistake);
                for (int c = 0; c < s.HeadDim; c++)
                    distance = Math.Max(distance, Math.Abs(output[RowOffset(s, h, i) + c] - expected[c]));
            }
        }

        return distance;
    }

    public static TheoryData<string, Mistake> KernelsAndMistakes() => new()
    {
        { "EveryVariantGqa", Mistake.BiasBeforeCap },
        { "EveryVariantGqa", Mistake.WindowOneWider },
        { "EveryVariantGqa", Mistake.WindowOneNarrower },
        { "EveryVariantGqa", Mistake.SinkScaled },
        { "EveryVariantGqa", Mistake.SinkCapped },
        { "WindowOfOne", Mistake.WindowOneWider },
        { "WindowOfOne", Mistake.SinkScaled },
        { "OddShapeWindowAlibiMqa", Mistake.WindowOneWider },
        { "OddShapeWindowAlibiMqa", Mistake.WindowOneNarrower },
        { "DecodeWindowSplit", Mistake.SinkCapped },
        { "DecodeWindowAlibiSinks", Mistake.SinkScaled },
        { "DecodeWindowAlibiSinks", Mistake.WindowOneWider },
        { "DecodeWindowAlibiSinks", Mistake.WindowOneNarrower },
        { "EncoderSoftcapSinks", Mistake.SinkCapped },
    };

    [Theory]
    [MemberData(nameof(KernelsAndMistakes))]
    public void KernelFollowsTheContractsStepsAndNotTheMistake(string name, Mistake mistake)
    {
        // Sinks between the scores' range and beyond it, so that scaling or capping one moves the rows.
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        if (s.Sinks)
            kernel = kernel.WithSinks(Enumerable.Range(0, s.Heads).Select(h => 9f + 2.5f * (h % 3)).ToArray());
        float[] query = TestData.Random(s.QueryLength, 71, 4f), key = TestData.Random(s.KeyLength, 72, 4f);
        float[] value = TestData.Random(s.ValueLength, 73);
        int queryLength = Math.Max(1, s.SeqLen - 3), kvLength = s.KvLen - 1;
        float[] output = new float[s.OutputLength];
        kernel.ForwardLengths(query, key, value, output, queryLength, kvLength);

        double bar = 2e-5;
        double right = Distance(kernel, query, key, value, output, queryLength, kvLength, Mistake.None);
        double wrong = Distance(kernel, query, key, value, output, queryLength, kvLength, mistake);
        Assert.True(right <= bar, $"{name} on {kernel.ActivePath}: {right:E3} from the contract's rows (bar {bar:E1})");
        Assert.True(wrong > 100 * bar, $"{name}: only {wrong:E3} from the rows with {mistake}: the test cannot tell them apart");
    }

    [Theory]
    [InlineData("GptOssSinks")]
    [InlineData("DecodeWindowSplit")]
    public void SinksShorterThanHeadsAreRejectedBeforeAnythingIsWritten(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        TestKernel shortSinks = kernel.WithSinks(new float[s.Heads - 1]);
        float[] query = TestData.Random(s.QueryLength, 1), key = TestData.Random(s.KeyLength, 2), value = TestData.Random(s.ValueLength, 3);
        float[] output = Enumerable.Repeat(7f, s.OutputLength).ToArray();
        Assert.Throws<ArgumentException>("sinks", () => shortSinks.ForwardAll(query, key, value, output));
        Assert.Throws<ArgumentException>("sinks", () => shortSinks.ForwardParallelLengths(query, key, value, output, 1, 1));
        Assert.Throws<ArgumentException>("sinks", () => shortSinks.ForwardBatch(query, key, value, output, new[] { 1 }, new[] { 1 }));
        Assert.All(output, x => Assert.Equal(7f, x));
    }

    [Fact]
    public void AlibiSlopesAreBloomsForAnyHeadCount()
    {
        // Eight heads: 2^-1 … 2^-8. Twelve: the eight of 8 heads, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5 (every second of 16).
        Assert.Equal(Enumerable.Range(1, 8).Select(k => Math.Pow(2, -k)), Enumerable.Range(0, 8).Select(h => AlibiSlopes.Slope(h, 8)));
        double[] twelve = Enumerable.Range(0, 12).Select(h => AlibiSlopes.Slope(h, 12)).ToArray();
        Assert.Equal(Enumerable.Range(1, 8).Select(k => Math.Pow(2, -k)), twelve.Take(8));
        Assert.Equal(new[] { 0.5, 1.5, 2.5, 3.5 }.Select(e => Math.Pow(2, -e)), twelve.Skip(8), new ToleranceComparer(1e-15));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlibiSlopes.Slope(12, 12));
    }

    private sealed class ToleranceComparer(double tolerance) : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
