using System;
using Xunit;

namespace AttentionGen.Tests.Hardening;

/// <summary>AttentionShape's element counts: more than int.MaxValue elements is an error, however far over.</summary>
public class AttentionShapeLimitTests
{
    [Theory]
    [InlineData(2097152, 2097152, 4194304)] // 2^64 elements: wraps a long to 0
    [InlineData(2097152, 2097152, 6291456)] // 3·2^63: wraps a long to -2^63
    [InlineData(65536, 65536, 1)]           // 2^32: over int.MaxValue, no wrap
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue)]
    public void ElementCountsOverIntMaxValueThrow(int seqLen, int heads, int headDim)
    {
        AttentionShape? shape = null;
        var error = Record.Exception(() => shape = new AttentionShape(seqLen, heads, headDim));
        Assert.True(error is ArgumentOutOfRangeException,
            $"new AttentionShape({seqLen}, {heads}, {headDim}) has {(double)seqLen * heads * headDim:E3} elements but gave " +
            (shape is null ? error?.GetType().Name : $"QueryLength = {shape.QueryLength}, KeyLength = {shape.KeyLength}"));
    }

    [Fact]
    public void TheLargestShapeThatFitsIsAccepted()
    {
        var shape = new AttentionShape(int.MaxValue, 1, 1);
        Assert.Equal(int.MaxValue, shape.QueryLength);
        Assert.Equal(int.MaxValue, shape.KeyLength);
    }
}
