using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Kernels;

/// <summary>AVX-512 (Avx512F) operations on <see cref="Vector512{T}"/>: 16 floats, 32 registers.</summary>
public readonly struct Avx512Ops : IVectorOps<Vector512<float>>
{
    /// <inheritdoc/>
    public static int Width => Vector512<float>.Count;

    /// <inheritdoc/>
    public static bool IsSupported
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, int offset) =>
        Vector512.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, int offset) =>
        value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Avx512F.FusedMultiplyAdd(left, right, addend);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => Avx512F.Add(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => Avx512F.Subtract(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => Avx512F.Multiply(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Avx512F.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectWhereAtMost(float position, Vector512<float> limits, Vector512<float> value, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(limits, Vector512.Create(position)), value, otherwise);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReciprocalOrZero(Vector512<float> value) =>
        Vector512.AndNot(Avx512F.Divide(Vector512<float>.One, value), Vector512.Equals(value, Vector512<float>.Zero));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwoFromShifted(Vector512<float> shifted) =>
        Vector512.ShiftLeft(shifted.AsInt32() - Vector512.Create(VectorMath.ShiftedExponentBias), 23).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> value) =>
        Avx2Ops.MaxAcross(Avx.Max(value.GetLower(), value.GetUpper()));

    /// <inheritdoc/>
    /// <remarks>Four 4×4 transposes inside the 128-bit chunks (unpack, as NEON's zip), then a 4×4 transpose of the
    /// chunks themselves (two rounds of <c>vshuff32x4</c>): 64 shuffles for 256 floats.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeSquare(ref float source, ref float destination)
    {
        Span<Vector512<float>> c = stackalloc Vector512<float>[16];
        for (int g = 0; g < 4; g++)
        {
            Vector512<float> r0 = Load(ref source, (4 * g) * 16), r1 = Load(ref source, (4 * g + 1) * 16);
            Vector512<float> r2 = Load(ref source, (4 * g + 2) * 16), r3 = Load(ref source, (4 * g + 3) * 16);
            Vector512<float> t0 = Avx512F.UnpackLow(r0, r2), t1 = Avx512F.UnpackHigh(r0, r2);
            Vector512<float> t2 = Avx512F.UnpackLow(r1, r3), t3 = Avx512F.UnpackHigh(r1, r3);
            // c[4k + g] holds column k + 4m of rows 4g..4g+3 in 128-bit chunk m.
            c[g] = Avx512F.UnpackLow(t0, t2);
            c[4 + g] = Avx512F.UnpackHigh(t0, t2);
            c[8 + g] = Avx512F.UnpackLow(t1, t3);
            c[12 + g] = Avx512F.UnpackHigh(t1, t3);
        }

        for (int k = 0; k < 4; k++)
        {
            Vector512<float> u0 = Avx512F.Shuffle4x128(c[4 * k], c[4 * k + 1], 0x44);
            Vector512<float> u1 = Avx512F.Shuffle4x128(c[4 * k], c[4 * k + 1], 0xEE);
            Vector512<float> u2 = Avx512F.Shuffle4x128(c[4 * k + 2], c[4 * k + 3], 0x44);
            Vector512<float> u3 = Avx512F.Shuffle4x128(c[4 * k + 2], c[4 * k + 3], 0xEE);
            Store(Avx512F.Shuffle4x128(u0, u2, 0x88), ref destination, k * 16);
            Store(Avx512F.Shuffle4x128(u0, u2, 0xDD), ref destination, (k + 4) * 16);
            Store(Avx512F.Shuffle4x128(u1, u3, 0x88), ref destination, (k + 8) * 16);
            Store(Avx512F.Shuffle4x128(u1, u3, 0xDD), ref destination, (k + 12) * 16);
        }
    }
}
