using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Kernels;

/// <summary>AVX2 + FMA operations on <see cref="Vector256{T}"/>: 8 floats, 16 registers.</summary>
public readonly struct Avx2Ops : IVectorOps<Vector256<float>>
{
    /// <inheritdoc/>
    public static int Width => Vector256<float>.Count;

    /// <inheritdoc/>
    public static bool IsSupported
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Avx2.IsSupported && Fma.IsSupported;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, int offset) =>
        Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, int offset) =>
        value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Fma.MultiplyAdd(left, right, addend);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => Avx.Add(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => Avx.Subtract(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => Avx.Multiply(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Avx.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectWhereAtMost(float position, Vector256<float> limits, Vector256<float> value, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(limits, Vector256.Create(position)), value, otherwise);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReciprocalOrZero(Vector256<float> value) =>
        Vector256.AndNot(Avx.Divide(Vector256<float>.One, value), Vector256.Equals(value, Vector256<float>.Zero));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwoFromShifted(Vector256<float> shifted) =>
        Vector256.ShiftLeft(shifted.AsInt32() - Vector256.Create(VectorMath.ShiftedExponentBias), 23).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> value)
    {
        Vector128<float> half = Sse.Max(value.GetLower(), value.GetUpper());
        half = Sse.Max(half, Sse.Shuffle(half, half, 0b_01_00_11_10));
        half = Sse.Max(half, Sse.Shuffle(half, half, 0b_10_11_00_01));
        return half.ToScalar();
    }

    /// <inheritdoc/>
    /// <remarks>4×4 transposes inside each 128-bit half (unpack), then the halves swapped across row groups
    /// (<c>vperm2f128</c>): 24 shuffles for 64 floats.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeSquare(ref float source, ref float destination)
    {
        Span<Vector256<float>> c = stackalloc Vector256<float>[8];
        for (int g = 0; g < 2; g++)
        {
            Vector256<float> r0 = Load(ref source, (4 * g) * 8), r1 = Load(ref source, (4 * g + 1) * 8);
            Vector256<float> r2 = Load(ref source, (4 * g + 2) * 8), r3 = Load(ref source, (4 * g + 3) * 8);
            Vector256<float> t0 = Avx.UnpackLow(r0, r2), t1 = Avx.UnpackHigh(r0, r2);
            Vector256<float> t2 = Avx.UnpackLow(r1, r3), t3 = Avx.UnpackHigh(r1, r3);
            // c[4g + k] holds column k of rows 4g..4g+3 in its low half and column k + 4 in its high half.
            c[4 * g] = Avx.UnpackLow(t0, t2);
            c[4 * g + 1] = Avx.UnpackHigh(t0, t2);
            c[4 * g + 2] = Avx.UnpackLow(t1, t3);
            c[4 * g + 3] = Avx.UnpackHigh(t1, t3);
        }

        for (int k = 0; k < 4; k++)
        {
            Store(Avx.Permute2x128(c[k], c[4 + k], 0x20), ref destination, k * 8);
            Store(Avx.Permute2x128(c[k], c[4 + k], 0x31), ref destination, (k + 4) * 8);
        }
    }
}
