using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace AttentionGen.Kernels;

/// <summary>arm64 NEON (AdvSimd) operations on <see cref="Vector128{T}"/>: 4 floats, 32 registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct NeonOps : IVectorOps<Vector128<float>>
{
    /// <inheritdoc/>
    public static int Width => Vector128<float>.Count;

    /// <inheritdoc/>
    public static bool IsSupported
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => AdvSimd.Arm64.IsSupported;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, int offset) =>
        Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadHalf(ref ushort source, int offset) =>
        HalfBits.ToSingle(AdvSimd.SignExtendWideningLower(Vector64.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadHalfScaled(ref ushort source, int offset) =>
        HalfBits.ToScaledSingle(AdvSimd.SignExtendWideningLower(Vector64.LoadUnsafe(ref Unsafe.Add(ref source, offset)).AsInt16()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadBFloat16(ref ushort source, int offset) =>
        Vector128.ShiftLeft(AdvSimd.ZeroExtendWideningLower(Vector64.LoadUnsafe(ref Unsafe.Add(ref source, offset))), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, int offset) =>
        value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
        AdvSimd.FusedMultiplyAdd(addend, left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => AdvSimd.Add(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => AdvSimd.Subtract(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => AdvSimd.Multiply(left, right);

    /// <inheritdoc/>
    /// <remarks>NEON's <c>fmax</c> returns NaN when either operand is NaN.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => AdvSimd.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectWhereAtMost(float position, Vector128<float> limits, Vector128<float> value, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(limits, Vector128.Create(position)), value, otherwise);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReciprocalOrZero(Vector128<float> value) =>
        Vector128.AndNot(AdvSimd.Arm64.Divide(Vector128<float>.One, value), Vector128.Equals(value, Vector128<float>.Zero));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Floor(Vector128<float> value) => AdvSimd.Floor(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp2(Vector128<float> x) => VectorMath.Exp2<NeonOps, Vector128<float>>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PowerOfTwoFromShifted(Vector128<float> shifted) =>
        Vector128.ShiftLeft(shifted.AsInt32(), 23).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> value) => AdvSimd.Arm64.MaxAcross(value).ToScalar();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePairs(Vector128<float> value, ref float a, ref float b, ref float c, ref float d) =>
        throw new NotSupportedException("Four lanes hold no eight scores.");

    /// <inheritdoc/>
    /// <remarks>Three pairwise adds; <paramref name="v4"/> to <paramref name="v7"/> have no lane.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3,
        Vector128<float> v4, Vector128<float> v5, Vector128<float> v6, Vector128<float> v7) =>
        AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(v0, v1), AdvSimd.Arm64.AddPairwise(v2, v3));

    /// <inheritdoc/>
    /// <remarks>Two rounds of zips: 8 shuffles, every value in a register.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeSquare(ref float source, ref int sourceRows, Vector128<float> factor, ref float destination,
        ref int destinationRows)
    {
        Vector128<float> r0 = AdvSimd.Multiply(Load(ref source, sourceRows), factor);
        Vector128<float> r1 = AdvSimd.Multiply(Load(ref source, Unsafe.Add(ref sourceRows, 1)), factor);
        Vector128<float> r2 = AdvSimd.Multiply(Load(ref source, Unsafe.Add(ref sourceRows, 2)), factor);
        Vector128<float> r3 = AdvSimd.Multiply(Load(ref source, Unsafe.Add(ref sourceRows, 3)), factor);
        Vector128<float> t0 = AdvSimd.Arm64.ZipLow(r0, r2), t1 = AdvSimd.Arm64.ZipHigh(r0, r2);
        Vector128<float> t2 = AdvSimd.Arm64.ZipLow(r1, r3), t3 = AdvSimd.Arm64.ZipHigh(r1, r3);
        Store(AdvSimd.Arm64.ZipLow(t0, t2), ref destination, destinationRows);
        Store(AdvSimd.Arm64.ZipHigh(t0, t2), ref destination, Unsafe.Add(ref destinationRows, 1));
        Store(AdvSimd.Arm64.ZipLow(t1, t3), ref destination, Unsafe.Add(ref destinationRows, 2));
        Store(AdvSimd.Arm64.ZipHigh(t1, t3), ref destination, Unsafe.Add(ref destinationRows, 3));
    }
}
