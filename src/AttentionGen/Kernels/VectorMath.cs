using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>Shape-independent math shared by every generated kernel, written once for all vector types.</summary>
public static class VectorMath
{
    /// <summary>Below this input the result is exactly 0 (2⁻¹²⁷ is formed as the bit pattern 0).</summary>
    public const float ExpLowerBound = -88f;

    /// <summary>
    /// eˣ for the max-subtracted arguments of a softmax, <c>x ≤ 0</c>: Cody-Waite reduction
    /// <c>x = n·ln2 + t</c>, |t| ≤ ln2/2, a degree-5 minimax polynomial for eᵗ (XNNPACK's <c>rr2-p5</c>
    /// coefficients) and 2ⁿ shifted straight out of the rounding constant. 12 vector operations, 9 of them
    /// fused multiply-adds; inlined, no table, no call.
    /// </summary>
    /// <remarks>
    /// Maximum relative error 1.8e-7 (about 1.5 float ulp) over [−87.3, 0], measured by the runtime tests against
    /// <see cref="System.Math.Exp(double)"/> on every path. Arguments at or below about −87.7 give exactly 0,
    /// so −∞ (a masked score) gives 0 and adds nothing to a softmax sum. NaN gives NaN. Arguments above 0 are
    /// outside the domain.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<TOps, TVector>(TVector x)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        // 1.5·2²³ + 127: adding it rounds x·log2(e) to an integer n held in the low mantissa bits, already biased
        // to the float exponent n + 127.
        const float Shift = 12583039f;
        x = TOps.Max(TOps.Broadcast(ExpLowerBound), x); // Max(bound, NaN) is NaN on every path
        TVector shifted = TOps.MultiplyAdd(x, TOps.Broadcast(1.44269504088896341f), TOps.Broadcast(Shift));
        TVector scale = TOps.PowerOfTwoFromShifted(shifted);
        TVector n = TOps.Subtract(shifted, TOps.Broadcast(Shift));
        // t = x − n·ln2, with ln2 split in two so n·ln2Hi is exact.
        TVector t = TOps.MultiplyAdd(n, TOps.Broadcast(-0.693359375f), x);
        t = TOps.MultiplyAdd(n, TOps.Broadcast(2.12194440e-4f), t);
        // eᵗ ≈ 1 + t·p(t): 2ⁿ·eᵗ = 2ⁿ + (t·2ⁿ)·p(t), the last step one fused multiply-add.
        TVector p = TOps.MultiplyAdd(TOps.Broadcast(8.28929059e-3f), t, TOps.Broadcast(4.18978222e-2f));
        p = TOps.MultiplyAdd(p, t, TOps.Broadcast(1.66676521e-1f));
        p = TOps.MultiplyAdd(p, t, TOps.Broadcast(4.99991506e-1f));
        p = TOps.MultiplyAdd(p, t, TOps.Broadcast(9.99999702e-1f));
        return TOps.MultiplyAdd(TOps.Multiply(t, scale), p, scale);
    }
}
