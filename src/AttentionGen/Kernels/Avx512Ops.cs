using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Kernels;

/// <summary>AVX-512 (Avx512F) operations on <see cref="Vector512{T}"/>: 16 floats, 32 registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
    public static Vector512<float> LoadHalf(ref ushort source, int offset) =>
        HalfBits.ToSingle(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadHalfScaled(ref ushort source, int offset) =>
        HalfBits.ToScaledSingle(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadBFloat16(ref ushort source, int offset) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset))), 16).AsSingle();

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePairs(Vector512<float> value, ref float a, ref float b, ref float c, ref float d) =>
        Avx2Ops.StorePairs(value.GetLower(), ref a, ref b, ref c, ref d);

    /// <inheritdoc/>
    /// <remarks>Pairs of vectors fold their halves into one vector, then quarters, then pairs of floats: 23 operations
    /// and a last permute that puts sum i in lane i.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEach(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7)
    {
        // Chunk i (128 bits) of quarters0123 holds four partial sums of v_i.
        Vector512<float> quarters0123 = FoldQuarters(FoldHalves(v0, v1), FoldHalves(v2, v3));
        Vector512<float> quarters4567 = FoldQuarters(FoldHalves(v4, v5), FoldHalves(v6, v7));
        // Chunk i: two partial sums of v_i, then two of v_(4+i); then each sum twice.
        Vector512<float> pairs = Avx512F.Add(Avx512F.UnpackLow(quarters0123.AsDouble(), quarters4567.AsDouble()).AsSingle(),
            Avx512F.UnpackHigh(quarters0123.AsDouble(), quarters4567.AsDouble()).AsSingle());
        Vector512<float> sums = Avx512F.Add(pairs, Avx512F.Permute4x32(pairs, 0b10_11_00_01));
        return Avx512F.PermuteVar16x32x2(sums, Vector512.Create(0, 4, 8, 12, 2, 6, 10, 14, 16, 16, 16, 16, 16, 16, 16, 16),
            Vector512<float>.Zero);
    }

    /// <summary>Chunks 0 and 1: the halves of <paramref name="a"/> added; chunks 2 and 3: those of <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FoldHalves(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Add(Avx512F.Shuffle4x128(a, b, 0b01_00_01_00), Avx512F.Shuffle4x128(a, b, 0b11_10_11_10));

    /// <summary>From two <see cref="FoldHalves"/> results: chunk i holds the two chunks of vector i added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FoldQuarters(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Add(Avx512F.Shuffle4x128(a, b, 0b10_00_10_00), Avx512F.Shuffle4x128(a, b, 0b11_01_11_01));

    /// <inheritdoc/>
    /// <remarks>Gathered by 128-bit chunks: one load and three inserts put chunk m (columns 4m..4m+3) of rows i,
    /// 4 + i, 8 + i and 12 + i in one vector; 4×4 transposes inside the chunks then finish the job. 32 unpacks on
    /// the shuffle port and 48 inserts that either vector port takes, where an all-register transpose needs 64
    /// shuffles on the one port.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeSquare(ref float source, ref int sourceRows, Vector512<float> factor, ref float destination,
        ref int destinationRows)
    {
        TransposeChunkColumns(ref source, ref sourceRows, Avx512F.Shuffle4x128(factor, factor, 0x00), ref destination, ref destinationRows, 0);
        TransposeChunkColumns(ref source, ref sourceRows, Avx512F.Shuffle4x128(factor, factor, 0x55), ref destination, ref destinationRows, 1);
        TransposeChunkColumns(ref source, ref sourceRows, Avx512F.Shuffle4x128(factor, factor, 0xAA), ref destination, ref destinationRows, 2);
        TransposeChunkColumns(ref source, ref sourceRows, Avx512F.Shuffle4x128(factor, factor, 0xFF), ref destination, ref destinationRows, 3);
    }

    /// <summary>Columns 4m..4m+3 of the block, from chunk <paramref name="m"/> of every row scaled by the matching
    /// chunk of the factor (<paramref name="chunkFactor"/>, repeated in each 128-bit lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeChunkColumns(ref float source, ref int sourceRows, Vector512<float> chunkFactor,
        ref float destination, ref int destinationRows, int m)
    {
        ref float chunk = ref Unsafe.Add(ref source, 4 * m);
        TransposeInChunks(
            Avx512F.Multiply(ChunkOfRows(ref chunk, ref sourceRows, 0), chunkFactor),
            Avx512F.Multiply(ChunkOfRows(ref chunk, ref sourceRows, 1), chunkFactor),
            Avx512F.Multiply(ChunkOfRows(ref chunk, ref sourceRows, 2), chunkFactor),
            Avx512F.Multiply(ChunkOfRows(ref chunk, ref sourceRows, 3), chunkFactor),
            out Vector512<float> column0, out Vector512<float> column1, out Vector512<float> column2, out Vector512<float> column3);
        ref int columns = ref Unsafe.Add(ref destinationRows, 4 * m);
        Store(column0, ref destination, columns);
        Store(column1, ref destination, Unsafe.Add(ref columns, 1));
        Store(column2, ref destination, Unsafe.Add(ref columns, 2));
        Store(column3, ref destination, Unsafe.Add(ref columns, 3));
    }

    /// <summary>128-bit chunk L holds the four floats at <paramref name="chunk"/> of row 4L + <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ChunkOfRows(ref float chunk, ref int rows, int i)
    {
        Vector512<float> gathered = Vector128.LoadUnsafe(ref Unsafe.Add(ref chunk, Unsafe.Add(ref rows, i))).ToVector256Unsafe().ToVector512Unsafe();
        gathered = Avx512F.InsertVector128(gathered, Vector128.LoadUnsafe(ref Unsafe.Add(ref chunk, Unsafe.Add(ref rows, 4 + i))), 1);
        gathered = Avx512F.InsertVector128(gathered, Vector128.LoadUnsafe(ref Unsafe.Add(ref chunk, Unsafe.Add(ref rows, 8 + i))), 2);
        return Avx512F.InsertVector128(gathered, Vector128.LoadUnsafe(ref Unsafe.Add(ref chunk, Unsafe.Add(ref rows, 12 + i))), 3);
    }

    /// <summary>4×4 transposes inside each 128-bit chunk: chunk L of column k holds element k of chunk L of
    /// <paramref name="r0"/>, <paramref name="r1"/>, <paramref name="r2"/> and <paramref name="r3"/>.</summary>
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
