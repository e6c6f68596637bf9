using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>Shape-independent math shared by every generated kernel, written once for all vector types.</summary>
public static class VectorMath
{
    /// <summary>Bits of <c>1.5·2²³</c> minus the float exponent bias 127: subtracting it from the bits of
    /// <c>n + 1.5·2²³</c> leaves <c>n + 127</c>, the biased exponent of 2ⁿ.</summary>
    internal const int ShiftedExponentBias = 0x4B400000 - 127;

    /// <summary>Below this input the result is exactly 0 (2⁻¹²⁷ is formed as the bit pattern 0).</summary>
    public const float ExpLowerBound = -88f;

    /// <summary>
    /// eˣ for the max-subtracted arguments of a softmax, <c>x ≤ 0</c>: Cody-Waite reduction
    /// <c>x = n·ln2 + r</c>, |r| ≤ ln2/2, a degree-6 polynomial (Cephes' <c>expf</c> coefficients) for eʳ,
    /// and 2ⁿ built from its exponent bits. Inlined, no table, no call.
    /// </summary>
    /// <remarks>
    /// Maximum relative error 1.8e-7 (about 1.5 float ulp) over [−87.3, 0], measured by the runtime tests
    /// against <see cref="System.Math.Exp(double)"/> on every path. Arguments at or below about −87.7
    /// give exactly 0, so −∞ (a masked score) gives 0 and adds nothing to a softmax sum. NaN gives NaN.
    /// Arguments above 0 are outside the domain.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<TOps, TVector>(TVector x)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        const float Shift = 12582912f; // 1.5·2²³: adding it rounds to an integer held in the low mantissa bits
        x = TOps.Max(TOps.Broadcast(ExpLowerBound), x); // Max(bound, NaN) is NaN on every path
        TVector shifted = TOps.MultiplyAdd(x, TOps.Broadcast(1.44269504088896341f), TOps.Broadcast(Shift));
        TVector n = TOps.Subtract(shifted, TOps.Broadcast(Shift));
        // r = x − n·ln2, with ln2 split in two so n·ln2Hi is exact.
        TVector r = TOps.MultiplyAdd(n, TOps.Broadcast(-0.693359375f), x);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(2.12194440e-4f), r);
        TVector p = TOps.Broadcast(1.9875691500e-4f);
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.3981999507e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(8.3334519073e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(4.1665795894e-2f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.6666665459e-1f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(5.0000001201e-1f));
        TVector expR = TOps.MultiplyAdd(p, TOps.Multiply(r, r), TOps.Add(r, TOps.Broadcast(1f)));
        return TOps.Multiply(expR, TOps.PowerOfTwoFromShifted(shifted));
    }
}
