using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>The scalar fallback: one float per "vector", plain arithmetic, no intrinsics.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ScalarOps : IVectorOps<float>
{
    /// <inheritdoc/>
    public static int Width => 1;

    /// <inheritdoc/>
    public static bool IsSupported => true;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, int offset) => Unsafe.Add(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadHalf(ref ushort source, int offset) => (float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadHalfScaled(ref ushort source, int offset) => HalfBits.ToScaledSingle(Unsafe.Add(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadBFloat16(ref ushort source, int offset) =>
        BitConverter.Int32BitsToSingle(Unsafe.Add(ref source, offset) << 16);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, int offset) => Unsafe.Add(ref destination, offset) = value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    /// <inheritdoc/>
    /// <remarks>Not fused: without hardware FMA, <see cref="MathF.FusedMultiplyAdd"/> is a slow software routine.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float left, float right, float addend) => left * right + addend;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float left, float right) => left > right ? left : right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SelectWhereAtMost(float position, float limits, float value, float otherwise) =>
        position <= limits ? value : otherwise;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReciprocalOrZero(float value) => value == 0 ? 0 : 1 / value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Floor(float value) => MathF.Floor(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp2(float x) => VectorMath.Exp2<ScalarOps, float>(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PowerOfTwoFromShifted(float shifted) =>
        BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(shifted) << 23);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(float value) => value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePairs(float value, ref float a, ref float b, ref float c, ref float d) =>
        throw new NotSupportedException("One lane holds no eight scores.");

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumEach(float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7) => v0;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeSquare(ref float source, ref int sourceRows, float factor, ref float destination,
        ref int destinationRows) =>
        Unsafe.Add(ref destination, destinationRows) = Unsafe.Add(ref source, sourceRows) * factor;
}
