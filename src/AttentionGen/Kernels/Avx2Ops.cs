using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Kernels;

/// <summary>AVX2 + FMA operations on <see cref="Vector256{T}"/>: 8 floats, 16 registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
    public static Vector256<float> LoadHalf(ref ushort source, int offset) =>
        HalfBits.ToSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadHalfScaled(ref ushort source, int offset) =>
        HalfBits.ToScaledSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadBFloat16(ref ushort source, int offset) =>
        Vector256.ShiftLeft(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset))), 16).AsSingle();

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
    public static Vector256<float> Floor(Vector256<float> value) => Avx.Floor(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2(Vector256<float> x) => VectorMath.Exp2<Avx2Ops, Vector256<float>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwoFromShifted(Vector256<float> shifted) =>
        Vector256.ShiftLeft(shifted.AsInt32(), 23).AsSingle();

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePairs(Vector256<float> value, ref float a, ref float b, ref float c, ref float d)
    {
        Vector128<double> low = value.GetLower().AsDouble(), high = value.GetUpper().AsDouble();
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref a), low.ToScalar());
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref b), low.GetElement(1));
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref c), high.ToScalar());
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref d), high.GetElement(1));
    }

    /// <inheritdoc/>
    /// <remarks>Pairs of vectors fold their 128-bit halves into one vector, then three horizontal adds and a permute.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEach(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        // Half 0 of sums holds v0, v2, v4, v6; half 1 holds v1, v3, v5, v7.
        Vector256<float> sums = Avx.HorizontalAdd(
            Avx.HorizontalAdd(FoldHalves(v0, v1), FoldHalves(v2, v3)),
            Avx.HorizontalAdd(FoldHalves(v4, v5), FoldHalves(v6, v7)));
        return Avx2.PermuteVar8x32(sums, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
    }

    /// <summary>Half 0: the halves of <paramref name="a"/> added; half 1: those of <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FoldHalves(Vector256<float> a, Vector256<float> b) =>
        Avx.Add(Avx.Permute2x128(a, b, 0x20), Avx.Permute2x128(a, b, 0x31));

    /// <inheritdoc/>
    /// <remarks>Two 4×4 transposes inside the 128-bit halves (unpacks), then the halves swapped across
    /// (<c>vperm2f128</c>): 24 shuffles, every value in a register.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeSquare(ref float source, ref int sourceRows, Vector256<float> factor, ref float destination,
        ref int destinationRows)
    {
        // bGJ holds, in 128-bit half m, column 4m + J of rows 4G..4G+3.
        TransposeRowGroup(ref source, ref sourceRows, 0, factor, out Vector256<float> b00, out Vector256<float> b01, out Vector256<float> b02, out Vector256<float> b03);
        TransposeRowGroup(ref source, ref sourceRows, 4, factor, out Vector256<float> b10, out Vector256<float> b11, out Vector256<float> b12, out Vector256<float> b13);
        StoreHalfColumns(b00, b10, ref destination, ref destinationRows, 0);
        StoreHalfColumns(b01, b11, ref destination, ref destinationRows, 1);
        StoreHalfColumns(b02, b12, ref destination, ref destinationRows, 2);
        StoreHalfColumns(b03, b13, ref destination, ref destinationRows, 3);
    }

    /// <summary>Rows <paramref name="first"/>..<paramref name="first"/> + 3, scaled, transposed inside each 128-bit chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeRowGroup(ref float source, ref int rows, int first, Vector256<float> factor,
        out Vector256<float> column0, out Vector256<float> column1, out Vector256<float> column2, out Vector256<float> column3) =>
        TransposeInChunks(Row(ref source, ref rows, first, factor), Row(ref source, ref rows, first + 1, factor),
            Row(ref source, ref rows, first + 2, factor), Row(ref source, ref rows, first + 3, factor),
            out column0, out column1, out column2, out column3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(ref float source, ref int rows, int row, Vector256<float> factor) =>
        Avx.Multiply(Load(ref source, Unsafe.Add(ref rows, row)), factor);

    /// <summary>Columns j and j + 4 of the block: the low and the high halves of the two row groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalfColumns(Vector256<float> group0, Vector256<float> group1, ref float destination,
        ref int destinationRows, int j)
    {
        Store(Avx.Permute2x128(group0, group1, 0x20), ref destination, Unsafe.Add(ref destinationRows, j));
        Store(Avx.Permute2x128(group0, group1, 0x31), ref destination, Unsafe.Add(ref destinationRows, j + 4));
    }

    /// <summary>4×4 transposes of rows <paramref name="r0"/>..<paramref name="r3"/> inside each 128-bit chunk:
    /// chunk m of column k holds element 4m + k of each row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeInChunks(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        out Vector256<float> column0, out Vector256<float> column1, out Vector256<float> column2, out Vector256<float> column3)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r2), t1 = Avx.UnpackHigh(r0, r2);
        Vector256<float> t2 = Avx.UnpackLow(r1, r3), t3 = Avx.UnpackHigh(r1, r3);
        column0 = Avx.UnpackLow(t0, t2);
        column1 = Avx.UnpackHigh(t0, t2);
        column2 = Avx.UnpackLow(t1, t3);
        column3 = Avx.UnpackHigh(t1, t3);
    }
}
