using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Kernels;

/// <summary>
/// IEEE half-precision bits (zero-extended into 32-bit lanes) to floats, exactly, with integer operations only: the
/// exponent and mantissa move up 13 bits and the exponent is rebiased by 112; an all-ones exponent (infinity, NaN) gets
/// the float's all-ones exponent; a zero exponent (zero, subnormal) is renormalized by subtracting 2⁻¹⁴, exact in
/// float. The sign goes back last. (The form of TensorPrimitives' and Fabian Giesen's half-to-float.)
/// </summary>
internal static class HalfBits
{
    private const uint ExponentMantissa = 0x7FFF, Sign = 0x8000;
    private const uint ShiftedExponent = 0x7C00u << 13;
    private const uint Rebias = (127 - 15) << 23, InfinityRebias = (128 - 16) << 23, SubnormalRebias = 1u << 23;
    private const float TwoToTheMinus14 = 6.103515625e-05f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> half)
    {
        Vector512<uint> bits = Vector512.ShiftLeft(half & Vector512.Create(ExponentMantissa), 13);
        Vector512<uint> exponent = bits & Vector512.Create(ShiftedExponent);
        bits += Vector512.Create(Rebias);
        bits += Vector512.Equals(exponent, Vector512.Create(ShiftedExponent)) & Vector512.Create(InfinityRebias);
        Vector512<uint> subnormal = Vector512.Equals(exponent, Vector512<uint>.Zero);
        Vector512<float> renormalized = (bits + Vector512.Create(SubnormalRebias)).AsSingle() - Vector512.Create(TwoToTheMinus14);
        Vector512<float> value = Vector512.ConditionalSelect(subnormal.AsSingle(), renormalized, bits.AsSingle());
        return (value.AsUInt32() | Vector512.ShiftLeft(half & Vector512.Create(Sign), 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> half)
    {
        Vector256<uint> bits = Vector256.ShiftLeft(half & Vector256.Create(ExponentMantissa), 13);
        Vector256<uint> exponent = bits & Vector256.Create(ShiftedExponent);
        bits += Vector256.Create(Rebias);
        bits += Vector256.Equals(exponent, Vector256.Create(ShiftedExponent)) & Vector256.Create(InfinityRebias);
        Vector256<uint> subnormal = Vector256.Equals(exponent, Vector256<uint>.Zero);
        Vector256<float> renormalized = (bits + Vector256.Create(SubnormalRebias)).AsSingle() - Vector256.Create(TwoToTheMinus14);
        Vector256<float> value = Vector256.ConditionalSelect(subnormal.AsSingle(), renormalized, bits.AsSingle());
        return (value.AsUInt32() | Vector256.ShiftLeft(half & Vector256.Create(Sign), 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> half)
    {
        Vector128<uint> bits = Vector128.ShiftLeft(half & Vector128.Create(ExponentMantissa), 13);
        Vector128<uint> exponent = bits & Vector128.Create(ShiftedExponent);
        bits += Vector128.Create(Rebias);
        bits += Vector128.Equals(exponent, Vector128.Create(ShiftedExponent)) & Vector128.Create(InfinityRebias);
        Vector128<uint> subnormal = Vector128.Equals(exponent, Vector128<uint>.Zero);
        Vector128<float> renormalized = (bits + Vector128.Create(SubnormalRebias)).AsSingle() - Vector128.Create(TwoToTheMinus14);
        Vector128<float> value = Vector128.ConditionalSelect(subnormal.AsSingle(), renormalized, bits.AsSingle());
        return (value.AsUInt32() | Vector128.ShiftLeft(half & Vector128.Create(Sign), 16)).AsSingle();
    }
}
