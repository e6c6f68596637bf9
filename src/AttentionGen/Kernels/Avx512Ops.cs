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
        get => Avx512F.IsSupported && Avx512DQ.IsSupported && Vector512.IsHardwareAccelerated;
    }

    /// <summary>The rounding control of <c>vrndscaleps</c> and <c>vreduceps</c> for rounding toward −∞.</summary>
    private const byte RoundDown = 0x01;

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
    public static Vector512<float> Floor(Vector512<float> value) => Avx512F.RoundScale(value, RoundDown);

    /// <inheritdoc/>
    /// <remarks>The split and the scaling are one instruction each: <c>vreduceps</c> gives f = x − ⌊x⌋ and
    /// <c>vscalefps</c> multiplies 2ᶠ by 2^⌊x⌋, which also takes −∞ to 0 and keeps NaN; a compare flushes what would be
    /// subnormal. 9 operations instead of <see cref="VectorMath.Exp2{TOps, TVector}"/>'s 11.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp2(Vector512<float> x)
    {
        Vector512<float> fraction = VectorMath.Exp2OfFraction<Avx512Ops, Vector512<float>>(Avx512DQ.Reduce(x, RoundDown));
        return Vector512.ConditionalSelect(Avx512F.CompareNotLessThan(x, Vector512.Create(VectorMath.Exp2LowerBound)),
            Avx512F.Scale(fraction, x), Vector512<float>.Zero);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwoFromShifted(Vector512<float> shifted) =>
        Vector512.ShiftLeft(shifted.AsInt32(), 23).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> value) =>
        Avx2Ops.MaxAcross(Avx.Max(value.GetLower(), value.GetUpper()));

    /// <inheritdoc/>
    /// <remarks>Four 4×4 transposes inside the 128-bit chunks (unpacks, as NEON's zips), then a 4×4 transpose of the
    /// chunks themselves (two rounds of <c>vshuff32x4</c>): 64 shuffles, every value in a register.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeSquare(ref float source, ref int sourceRows, Vector512<float> factor, ref float destination,
        ref int destinationRows)
    {
        // bGJ holds, in 128-bit chunk m, column 4m + J of rows 4G..4G+3.
        TransposeRowGroup(ref source, ref sourceRows, 0, factor, out Vector512<float> b00, out Vector512<float> b01, out Vector512<float> b02, out Vector512<float> b03);
        TransposeRowGroup(ref source, ref sourceRows, 4, factor, out Vector512<float> b10, out Vector512<float> b11, out Vector512<float> b12, out Vector512<float> b13);
        TransposeRowGroup(ref source, ref sourceRows, 8, factor, out Vector512<float> b20, out Vector512<float> b21, out Vector512<float> b22, out Vector512<float> b23);
        TransposeRowGroup(ref source, ref sourceRows, 12, factor, out Vector512<float> b30, out Vector512<float> b31, out Vector512<float> b32, out Vector512<float> b33);
        StoreChunkColumns(b00, b10, b20, b30, ref destination, ref destinationRows, 0);
        StoreChunkColumns(b01, b11, b21, b31, ref destination, ref destinationRows, 1);
        StoreChunkColumns(b02, b12, b22, b32, ref destination, ref destinationRows, 2);
        StoreChunkColumns(b03, b13, b23, b33, ref destination, ref destinationRows, 3);
    }

    /// <summary>Rows <paramref name="first"/>..<paramref name="first"/> + 3, scaled, transposed inside each 128-bit chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeRowGroup(ref float source, ref int rows, int first, Vector512<float> factor,
        out Vector512<float> column0, out Vector512<float> column1, out Vector512<float> column2, out Vector512<float> column3) =>
        TransposeInChunks(Row(ref source, ref rows, first, factor), Row(ref source, ref rows, first + 1, factor),
            Row(ref source, ref rows, first + 2, factor), Row(ref source, ref rows, first + 3, factor),
            out column0, out column1, out column2, out column3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(ref float source, ref int rows, int row, Vector512<float> factor) =>
        Avx512F.Multiply(Load(ref source, Unsafe.Add(ref rows, row)), factor);

    /// <summary>Columns j, j + 4, j + 8 and j + 12 of the block from the chunk-transposed row groups: column 4m + j
    /// is chunk m of each group, in group order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChunkColumns(Vector512<float> group0, Vector512<float> group1, Vector512<float> group2,
        Vector512<float> group3, ref float destination, ref int destinationRows, int j)
    {
        Vector512<float> even01 = Avx512F.Shuffle4x128(group0, group1, 0x88), odd01 = Avx512F.Shuffle4x128(group0, group1, 0xDD);
        Vector512<float> even23 = Avx512F.Shuffle4x128(group2, group3, 0x88), odd23 = Avx512F.Shuffle4x128(group2, group3, 0xDD);
        Store(Avx512F.Shuffle4x128(even01, even23, 0x88), ref destination, Unsafe.Add(ref destinationRows, j));
        Store(Avx512F.Shuffle4x128(odd01, odd23, 0x88), ref destination, Unsafe.Add(ref destinationRows, j + 4));
        Store(Avx512F.Shuffle4x128(even01, even23, 0xDD), ref destination, Unsafe.Add(ref destinationRows, j + 8));
        Store(Avx512F.Shuffle4x128(odd01, odd23, 0xDD), ref destination, Unsafe.Add(ref destinationRows, j + 12));
    }

    /// <summary>4×4 transposes of rows <paramref name="r0"/>..<paramref name="r3"/> inside each 128-bit chunk:
    /// chunk m of column k holds element 4m + k of each row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeInChunks(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
        out Vector512<float> column0, out Vector512<float> column1, out Vector512<float> column2, out Vector512<float> column3)
    {
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r2), t1 = Avx512F.UnpackHigh(r0, r2);
        Vector512<float> t2 = Avx512F.UnpackLow(r1, r3), t3 = Avx512F.UnpackHigh(r1, r3);
        column0 = Avx512F.UnpackLow(t0, t2);
        column1 = Avx512F.UnpackHigh(t0, t2);
        column2 = Avx512F.UnpackLow(t1, t3);
        column3 = Avx512F.UnpackHigh(t1, t3);
    }
}
