using System;

namespace AttentionGen;

/// <summary>ALiBi's per-head slopes (Press et al.), as BLOOM and MPT build them: the bias of query head h is
/// <c>−m_h · |p − j|</c>.</summary>
public static class AlibiSlopes
{
    /// <summary>The slope <c>m_h</c> of query head <paramref name="head"/> of <paramref name="heads"/>:
    /// <c>2^(−8(h+1)/n)</c> for the first n heads, n the largest power of two up to <paramref name="heads"/>, then every
    /// second slope of 2n heads, <c>2^(−4(2(h−n)+1)/n)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="head"/> is outside <c>0..heads − 1</c>.</exception>
    public static double Slope(int head, int heads)
    {
        if ((uint)head >= (uint)heads)
            throw new ArgumentOutOfRangeException(nameof(head), head, $"head must be in 0..{heads - 1}.");
        int n = 1;
        while (n <= heads / 2)
            n *= 2;
        return head < n ? Math.Pow(2, -8.0 * (head + 1) / n) : Math.Pow(2, -4.0 * (2 * (head - n) + 1) / n);
    }
}
