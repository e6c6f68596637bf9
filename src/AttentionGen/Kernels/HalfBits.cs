using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Kernels;

/// <summary>
/// IEEE half-precision bits, sign-extended into 32-bit lanes, to floats, exactly. Shifted up 13 bits, the sign lands
/// on the float's sign and the exponent and mantissa on a float whose exponent is the half's, unbiased by 127 instead
/// of 15 (the sign's copies above the exponent are masked off): that float is the half's value times 2⁻¹¹², exact,
/// subnormal halves included (their float is subnormal). An all-ones exponent (infinity, NaN) gets the float's
/// all-ones exponent, mantissa kept. <see cref="ToScaledSingle(Vector512{int})"/> stops there, for loops that fold
/// <see cref="LeftOutFactor"/> into a factor they apply anyway; <see cref="ToSingle(Vector512{int})"/> multiplies it
/// back, which rebiases the exponent and keeps infinities and NaN.
/// </summary>
internal static class HalfBits
{
    /// <summary>2¹¹²: the factor <c>ToScaledSingle</c> leaves out.</summary>
    public const float LeftOutFactor = 5.192296858534828e33f;

    private const int SignExponentMantissa = unchecked((int)0x8FFFE000), HalfExponent = 0x7C00, FloatExponent = 0x7F800000;
    private const uint ExponentOnTop = 0xF8000000; // the half's exponent shifted to the top bits, all ones

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<int> half) => ToScaledSingle(half) * Vector512.Create(LeftOutFactor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<int> half) => ToScaledSingle(half) * Vector256.Create(LeftOutFactor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector128<int> half) => ToScaledSingle(half) * Vector128.Create(LeftOutFactor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToScaledSingle(Vector512<int> half)
    {
        Vector512<float> value = (Vector512.ShiftLeft(half, 13) & Vector512.Create(SignExponentMantissa)).AsSingle();
        Vector512<uint> infinityOrNaN = Vector512.GreaterThanOrEqual(Vector512.ShiftLeft(half, 17).AsUInt32(), Vector512.Create(ExponentOnTop));
        return Vector512.ConditionalSelect(infinityOrNaN.AsSingle(), value | Vector512.Create(FloatExponent).AsSingle(), value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToScaledSingle(Vector256<int> half)
    {
        Vector256<float> value = (Vector256.ShiftLeft(half, 13) & Vector256.Create(SignExponentMantissa)).AsSingle();
        Vector256<int> infinityOrNaN = Vector256.Equals(half & Vector256.Create(HalfExponent), Vector256.Create(HalfExponent));
        return value | (infinityOrNaN & Vector256.Create(FloatExponent)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToScaledSingle(Vector128<int> half)
    {
        Vector128<float> value = (Vector128.ShiftLeft(half, 13) & Vector128.Create(SignExponentMantissa)).AsSingle();
        Vector128<int> infinityOrNaN = Vector128.Equals(half & Vector128.Create(HalfExponent), Vector128.Create(HalfExponent));
        return value | (infinityOrNaN & Vector128.Create(FloatExponent)).AsSingle();
    }

    /// <summary>One half's value times 2⁻¹¹², exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToScaledSingle(ushort half) => (float)System.BitConverter.UInt16BitsToHalf(half) * (1 / LeftOutFactor);
}
