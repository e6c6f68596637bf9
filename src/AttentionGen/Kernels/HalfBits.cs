using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Kernels;

/// <summary>
/// IEEE half-precision bits (zero-extended into 32-bit lanes) to floats, exactly. The exponent and mantissa move up 13
/// bits, into a float whose exponent is the half's, unbiased by 127 instead of 15; one multiplication by 2¹¹² rebiases
/// it, subnormal halves included (their float is subnormal and the product exact). An all-ones exponent (infinity,
/// NaN) gets the float's all-ones exponent, mantissa kept; the sign goes back last. Nine operations a vector.
/// </summary>
internal static class HalfBits
{
    private const uint ExponentMantissa = 0x7FFFu << 13, InfinityOrNaN = 0x7C00u << 13, FloatExponent = 0x7F800000, Sign = 0x80000000;
    private const float Rebias = 5.192296858534828e33f; // 2^112

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> half)
    {
        Vector512<uint> bits = Vector512.ShiftLeft(half, 13) & Vector512.Create(ExponentMantissa);
        Vector512<uint> value = (bits.AsSingle() * Vector512.Create(Rebias)).AsUInt32();
        value |= Vector512.GreaterThanOrEqual(bits, Vector512.Create(InfinityOrNaN)) & Vector512.Create(FloatExponent);
        return (value | (Vector512.ShiftLeft(half, 16) & Vector512.Create(Sign))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> half)
    {
        Vector256<uint> bits = Vector256.ShiftLeft(half, 13) & Vector256.Create(ExponentMantissa);
        Vector256<uint> value = (bits.AsSingle() * Vector256.Create(Rebias)).AsUInt32();
        value |= Vector256.GreaterThan(bits.AsInt32(), Vector256.Create((int)InfinityOrNaN - 1)).AsUInt32() & Vector256.Create(FloatExponent);
        return (value | (Vector256.ShiftLeft(half, 16) & Vector256.Create(Sign))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<uint> half)
    {
        Vector128<uint> bits = Vector128.ShiftLeft(half, 13) & Vector128.Create(ExponentMantissa);
        Vector128<uint> value = (bits.AsSingle() * Vector128.Create(Rebias)).AsUInt32();
        value |= Vector128.GreaterThan(bits.AsInt32(), Vector128.Create((int)InfinityOrNaN - 1)).AsUInt32() & Vector128.Create(FloatExponent);
        return (value | (Vector128.ShiftLeft(half, 16) & Vector128.Create(Sign))).AsSingle();
    }
}
