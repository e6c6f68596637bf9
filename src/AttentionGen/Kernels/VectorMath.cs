using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>Shape-independent math shared by every generated kernel, written once for all vector types.</summary>
/// <remarks>
/// Kernels keep scores in log2 units (the query pack multiplies by <c>Scale · log2(e)</c>), so the softmax takes
/// 2ˣ, not eˣ: no multiply by log2(e) and no Cody-Waite split of ln2 in the inner loop. Each instruction set's
/// <see cref="IVectorOps{TVector}.Exp2"/> is <see cref="Exp2"/>, except AVX-512's, which does the split and the
/// scaling with one instruction each and evaluates the same <see cref="Exp2OfFraction"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorMath
{
    /// <summary>Below this input 2ˣ is flushed to exactly 0, so a softmax never feeds a subnormal to the value
    /// products (on x86 a subnormal input costs a microcode assist, about a hundred cycles).</summary>
    public const float Exp2LowerBound = -126f;

    /// <summary>Maximum relative error of <see cref="IVectorOps{TVector}.Exp2"/> against the exact 2ˣ over
    /// [<see cref="Exp2LowerBound"/>, 0], measured by the runtime tests on every path.</summary>
    public const double Exp2MaxRelativeError = 2e-7;

    /// <summary>
    /// 2ˣ for the max-subtracted log2-unit scores of a softmax, <c>x ≤ 0</c>, from the floor and the exponent bits:
    /// x = n + f with n = ⌊x⌋, 2ᶠ by <see cref="Exp2OfFraction"/>, 2ⁿ shifted into the exponent field. 11 vector
    /// operations, 5 of them fused multiply-adds; inlined, no table, no call.
    /// </summary>
    /// <remarks>
    /// Relative error below <see cref="Exp2MaxRelativeError"/> over [−126, 0]. Below −126 the result is exactly 0
    /// (n is clamped to −127, whose exponent field is the bit pattern of 0), so −∞ gives 0 and adds nothing to a
    /// softmax sum. NaN gives NaN. Arguments above 0 are outside the domain.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp2<TOps, TVector>(TVector x)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        // 1.5·2²³ + 127: added to an integer n in [−127, 0], it leaves the biased exponent n + 127 in the low
        // mantissa bits.
        const float Shift = 12583039f;
        x = TOps.Max(TOps.Broadcast(Exp2LowerBound - 1), x); // Max(bound, NaN) is NaN on every path
        TVector n = TOps.Floor(x);
        TVector fraction = Exp2OfFraction<TOps, TVector>(TOps.Subtract(x, n));
        return TOps.Multiply(fraction, TOps.PowerOfTwoFromShifted(TOps.Add(n, TOps.Broadcast(Shift))));
    }

    /// <summary>
    /// 2ᶠ for f in [0, 1], as <c>1 + f·q(f)</c> with q a degree-4 polynomial fitted for minimax relative error
    /// (8.3e-8 before rounding): exact at f = 0, five fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp2OfFraction<TOps, TVector>(TVector f)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        TVector q = TOps.MultiplyAdd(TOps.Broadcast(1.867130482e-3f), f, TOps.Broadcast(9.017029176e-3f));
        q = TOps.MultiplyAdd(q, f, TOps.Broadcast(5.579991423e-2f));
        q = TOps.MultiplyAdd(q, f, TOps.Broadcast(2.401644497e-1f));
        q = TOps.MultiplyAdd(q, f, TOps.Broadcast(6.931513119e-1f));
        return TOps.MultiplyAdd(q, f, TOps.Broadcast(1f));
    }
}
