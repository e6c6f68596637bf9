using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Steps 2 and 3 of a score, in the contract's order and in log2 units: soft-capping <c>CapLog2 · tanh(x)</c> (the
/// packed score x is <c>Scale · q·k / Softcap</c>), then ALiBi's bias <c>−m_h·log2(e) · |p − j|</c>. The mask comes
/// after both, in the softmax.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScoreTransform
{
    /// <summary>Below this |x|, tanh is Cephes' odd polynomial; from it on, <c>(1 − e^(−2|x|)) / (1 + e^(−2|x|))</c>,
    /// where the subtraction loses nothing.</summary>
    private const float PolynomialBound = 0.625f;

    private const float MinusTwoLog2E = -2.8853900817779268f;

    /// <summary>0, 1, 2, …: lane i's offset from a vector's first key.</summary>
    private static readonly float[] LaneOffsets = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>Whether the shape transforms its scores at all.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Applies<TShape>() where TShape : struct, IKernelShape => TShape.SoftCapped || TShape.Alibi;

    /// <summary>tanh, lane-wise, within a few ulp; ±1 for ±∞, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Tanh<TOps, TVector>(TVector x)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        TVector zero = TOps.Broadcast(0f), one = TOps.Broadcast(1f);
        TVector magnitude = TOps.Max(x, TOps.Subtract(zero, x));
        TVector square = TOps.Multiply(x, x);
        TVector polynomial = TOps.MultiplyAdd(TOps.Broadcast(-5.70498872745e-3f), square, TOps.Broadcast(2.06390887954e-2f));
        polynomial = TOps.MultiplyAdd(polynomial, square, TOps.Broadcast(-5.37397155531e-2f));
        polynomial = TOps.MultiplyAdd(polynomial, square, TOps.Broadcast(1.33314422036e-1f));
        polynomial = TOps.MultiplyAdd(polynomial, square, TOps.Broadcast(-3.33332819422e-1f));
        TVector small = TOps.MultiplyAdd(TOps.Multiply(polynomial, square), x, x);

        TVector t = TOps.Exp2(TOps.Multiply(magnitude, TOps.Broadcast(MinusTwoLog2E)));
        TVector large = TOps.Multiply(TOps.Subtract(one, t), TOps.ReciprocalOrZero(TOps.Add(one, t)));
        large = TOps.SelectWhereAtMost(0f, x, large, TOps.Subtract(zero, large));
        return TOps.SelectWhereAtMost(PolynomialBound, magnitude, large, small);
    }

    /// <summary>One score: soft-capped, then biased by <paramref name="negatedSlope"/> · |<paramref name="position"/> −
    /// <paramref name="key"/>|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Apply<TOps, TVector, TShape>(TVector score, TVector position, TVector negatedSlope, TVector key)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        if (TShape.SoftCapped)
            score = TOps.Multiply(TOps.Broadcast(TShape.CapLog2), Tanh<TOps, TVector>(score));
        if (TShape.Alibi)
        {
            TVector distance = TOps.Subtract(position, key);
            score = TOps.MultiplyAdd(negatedSlope, TOps.Max(distance, TOps.Subtract(TOps.Broadcast(0f), distance)), score);
        }

        return score;
    }

    /// <summary>
    /// Transforms a panel's block of scores <c>[keys][panelWidth]</c> in place and writes each lane's new maximum to
    /// <paramref name="scoreMax"/>.
    /// </summary>
    /// <param name="positions">Per-lane absolute position p of the row (ALiBi only).</param>
    /// <param name="negatedSlopes">Per-lane <c>−m_h·log2(e)</c> of the row's head (ALiBi only).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block<TOps, TVector, TShape>(ref float scores, ref float scoreMax, ref float positions, ref float negatedSlopes,
        int panelWidth, int lanes, int keys, int firstKey)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        for (int lane = 0; lane < lanes; lane += TOps.Width)
        {
            TVector position = TShape.Alibi ? TOps.Load(ref positions, lane) : default;
            TVector negatedSlope = TShape.Alibi ? TOps.Load(ref negatedSlopes, lane) : default;
            TVector max = TOps.Broadcast(float.NegativeInfinity);
            for (int j = 0; j < keys; j++)
            {
                TVector score = Apply<TOps, TVector, TShape>(TOps.Load(ref scores, j * panelWidth + lane), position, negatedSlope,
                    TOps.Broadcast(firstKey + j));
                TOps.Store(score, ref scores, j * panelWidth + lane);
                max = TOps.Max(max, score);
            }

            TOps.Store(max, ref scoreMax, lane);
        }
    }

    /// <summary>Transforms one row's scores of <paramref name="count"/> consecutive keys from <paramref name="firstKey"/>
    /// in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row<TOps, TVector, TShape>(ref float scores, int count, int firstKey, float position, float negatedSlope)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        TVector positions = TOps.Broadcast(position), slopes = TOps.Broadcast(negatedSlope);
        TVector offsets = TOps.Load(ref MemoryMarshal.GetArrayDataReference(LaneOffsets), 0);
        int j = 0;
        for (; j + TOps.Width <= count; j += TOps.Width)
        {
            TVector keys = TOps.Add(TOps.Broadcast(firstKey + j), offsets);
            TOps.Store(Apply<TOps, TVector, TShape>(TOps.Load(ref scores, j), positions, slopes, keys), ref scores, j);
        }

        for (; j < count; j++)
            Unsafe.Add(ref scores, j) = Apply<ScalarOps, float, TShape>(Unsafe.Add(ref scores, j), position, negatedSlope, firstKey + j);
    }

    private const double Log2E = 1.4426950408889634;

    /// <summary>ALiBi's <c>−m_h</c> in log2 units for query head <paramref name="head"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NegatedSlope<TShape>(int head) where TShape : struct, IKernelShape =>
        -(float)(AlibiSlopes.Slope(head, TShape.Heads) * Log2E);

    /// <summary>A sink logit (natural units, used as given) in log2 units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SinkLog2(float sink) => sink * (float)Log2E;
}
