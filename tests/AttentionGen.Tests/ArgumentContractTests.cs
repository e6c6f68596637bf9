using System;
using System.Linq;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>The contract's errors: checked before anything is written, parameters named, lengths stated.</summary>
public class ArgumentContractTests
{
    private static readonly TestKernel Kernel = TestKernel.All["OddGqaTokenMajor"];
    private static readonly int Q = Kernel.Shape.QueryLength, K = Kernel.Shape.KeyLength, O = Kernel.Shape.OutputLength;

    public static TheoryData<string, bool> ShortSpans => new()
    {
        { "query", false }, { "key", false }, { "value", false }, { "output", false },
        { "query", true }, { "key", true }, { "value", true }, { "output", true },
    };

    [Theory]
    [MemberData(nameof(ShortSpans))]
    public void ShortSpanThrowsNamingTheParameterAndLength(string parameter, bool parallel)
    {
        float[] q = new float[parameter == "query" ? Q - 1 : Q], k = new float[parameter == "key" ? K - 1 : K],
            v = new float[parameter == "value" ? K - 1 : K], o = Sentinel(parameter == "output" ? O - 1 : O);
        ForwardFunction forward = parallel ? Kernel.ForwardParallel : Kernel.Forward;
        var error = Assert.Throws<ArgumentException>(() => forward(q, k, v, o, Kernel.Shape.KvLen));
        Assert.Equal(parameter, error.ParamName);
        int needed = parameter == "query" ? Q : parameter == "output" ? O : K;
        Assert.Contains(needed.ToString(), error.Message);
        AssertUntouched(o);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(48)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void KvLengthOutOfRangeThrows(int kvLength)
    {
        float[] o = Sentinel(O);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.Forward(new float[Q], new float[K], new float[K], o, kvLength));
        Assert.Equal("kvLength", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.ForwardParallel(new float[Q], new float[K], new float[K], o, kvLength));
        AssertUntouched(o);
    }

    [Theory]
    [InlineData("query")]
    [InlineData("key")]
    [InlineData("value")]
    public void OutputOverlappingAnInputThrows(string input)
    {
        // One buffer holds the input and, shifted by a few floats, the output.
        float[] shared = Sentinel(Q + K + O);
        int inputLength = input == "query" ? Q : K;
        float[] q = new float[Q], k = new float[K], v = new float[K];
        float[] before = shared.ToArray();
        var error = Assert.Throws<ArgumentException>(() =>
        {
            Span<float> o = shared.AsSpan(inputLength - 3, O);
            Span<float> i = shared.AsSpan(0, inputLength);
            Kernel.Forward(input == "query" ? i : q, input == "key" ? i : k, input == "value" ? i : v, o, Kernel.Shape.KvLen);
        });
        Assert.Equal("output", error.ParamName);
        Assert.Contains(input, error.Message);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void AdjacentButDisjointSpansAreFine()
    {
        float[] shared = new float[Q + O];
        TestData.Random(Q, 5).CopyTo(shared, 0);
        float[] k = TestData.Random(K, 6), v = TestData.Random(K, 7);
        Kernel.Forward(shared.AsSpan(0, Q), k, v, shared.AsSpan(Q, O), Kernel.Shape.KvLen);
        double[] expected = Reference.AttentionReference.ForwardExact(Kernel.Shape, shared.AsSpan(0, Q), k, v);
        Assert.True(Accuracy.MaxAbsError(shared.AsSpan(Q, O), expected) < 1e-5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(34)]
    [InlineData(int.MinValue)]
    public void QueryLengthOutOfRangeThrows(int queryLength)
    {
        float[] o = Sentinel(O);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.ForwardLengths(new float[Q], new float[K], new float[K], o, queryLength, Kernel.Shape.KvLen));
        Assert.Equal("queryLength", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.ForwardParallelLengths(new float[Q], new float[K], new float[K], o, queryLength, Kernel.Shape.KvLen));
        AssertUntouched(o);
    }

    [Theory]
    [InlineData(new int[0], new int[0], "queryLengths")]
    [InlineData(new[] { 5, 6 }, new[] { 5 }, "kvLengths")]
    public void ABatchWithoutItemsOrWithUnequalLengthSpansThrows(int[] queryLengths, int[] kvLengths, string parameter)
    {
        float[] o = Sentinel(2 * O);
        var error = Assert.Throws<ArgumentException>(() =>
            Kernel.ForwardBatch(new float[2 * Q], new float[2 * K], new float[2 * K], o, queryLengths, kvLengths));
        Assert.Equal(parameter, error.ParamName);
        AssertUntouched(o);
    }

    [Theory]
    [InlineData(1, 0, "kvLengths")]
    [InlineData(1, 48, "kvLengths")]
    [InlineData(0, 5, "queryLengths")]
    [InlineData(34, 5, "queryLengths")]
    public void ABatchLengthOutOfRangeThrowsBeforeAnyItemIsWritten(int lastQueryLength, int lastKvLength, string parameter)
    {
        float[] o = Sentinel(3 * O);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Kernel.ForwardBatch(new float[3 * Q], new float[3 * K],
            new float[3 * K], o, new[] { 33, 10, lastQueryLength }, new[] { 47, 20, lastKvLength }));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains("[2]", error.Message);
        AssertUntouched(o);
    }

    [Theory]
    [InlineData("query")]
    [InlineData("key")]
    [InlineData("value")]
    [InlineData("output")]
    public void ABatchSpanShorterThanItsItemsThrows(string parameter)
    {
        float[] q = new float[parameter == "query" ? 2 * Q - 1 : 2 * Q], k = new float[parameter == "key" ? 2 * K - 1 : 2 * K],
            v = new float[parameter == "value" ? 2 * K - 1 : 2 * K], o = Sentinel(parameter == "output" ? 2 * O - 1 : 2 * O);
        var error = Assert.Throws<ArgumentException>(() => Kernel.ForwardBatch(q, k, v, o, new[] { 1, 2 }, new[] { 3, 4 }));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains((parameter == "query" ? 2 * Q : parameter == "output" ? 2 * O : 2 * K).ToString(), error.Message);
        AssertUntouched(o);
    }

    [Fact]
    public void ABatchOutputOverlappingTheSecondItemsInputThrows()
    {
        float[] shared = Sentinel(2 * Q + 2 * O);
        float[] before = shared.ToArray();
        var error = Assert.Throws<ArgumentException>(() => Kernel.ForwardBatch(shared.AsSpan(0, 2 * Q), new float[2 * K],
            new float[2 * K], shared.AsSpan(2 * Q - 1, 2 * O), new[] { 1, 1 }, new[] { 1, 1 }));
        Assert.Equal("output", error.ParamName);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void LongerSpansUseOnlyThePrefixAndWriteNothingPastTheOutput()
    {
        float[] q = TestData.Random(Q + 10, 1), k = TestData.Random(K + 10, 2), v = TestData.Random(K + 10, 3);
        float[] expected = new float[O];
        Kernel.Forward(q.AsSpan(0, Q), k.AsSpan(0, K), v.AsSpan(0, K), expected, Kernel.Shape.KvLen);
        float[] output = Sentinel(O + 10);
        Kernel.Forward(q, k, v, output, Kernel.Shape.KvLen);
        Assert.Equal(expected, output.Take(O));
        AssertUntouched(output.AsSpan(O).ToArray());
    }

    private static float[] Sentinel(int length) => Enumerable.Repeat(-12345f, length).ToArray();

    private static void AssertUntouched(float[] output) => Assert.All(output, x => Assert.Equal(-12345f, x));
}
