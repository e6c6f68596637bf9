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
        Kernel.Forward(shared.AsSpan(0, Q), TestData.Random(K, 6), TestData.Random(K, 7), shared.AsSpan(Q, O), Kernel.Shape.KvLen);
        Assert.Contains(shared.Skip(Q), x => x != 0);
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
