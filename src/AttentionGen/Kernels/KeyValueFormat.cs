using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>
/// How a kernel's keys and values are stored (<see cref="IKernelShape.KvType"/>): loads that convert them to float32
/// as they are read (decoding streams its keys once), short of a factor the decoding loops apply anyway, and the copy
/// that converts rows of them into float32 rows, exactly (a panel packs each head's keys and values once for all its
/// panels).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KeyValueFormat
{
    /// <summary>Bytes per key or value element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ElementSize<TShape>() where TShape : struct, IKernelShape =>
        TShape.KvType == AttentionKvType.Float32 ? sizeof(float) : sizeof(ushort);

    /// <summary>Whether the elements are float32 already, so rows can be read in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFloat32<TShape>() where TShape : struct, IKernelShape => TShape.KvType == AttentionKvType.Float32;

    /// <summary>The element at <paramref name="offset"/> elements from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref byte At<TShape>(ref byte start, nint offset) where TShape : struct, IKernelShape =>
        ref Unsafe.Add(ref start, offset * ElementSize<TShape>());

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="length"/> elements, <paramref name="sourceStride"/> elements
    /// apart, into consecutive float32 rows of <paramref name="destination"/>, converting 16-bit elements exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvertRows<TOps, TVector, TShape>(ref byte source, int sourceStride, int rows, int length, ref float destination)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        if (IsFloat32<TShape>())
        {
            Scratch.GatherRows(ref Unsafe.As<byte, float>(ref source), sourceStride, rows, length, ref destination);
            return;
        }

        int vectorEnd = length - length % TOps.Width;
        for (int row = 0; row < rows; row++)
        {
            ref ushort from = ref Unsafe.As<byte, ushort>(ref At<TShape>(ref source, (nint)row * sourceStride));
            ref float to = ref Unsafe.Add(ref destination, (nint)row * length);
            int d = 0;
            for (; d < vectorEnd; d += TOps.Width)
                TOps.Store(Load<TOps, TVector, TShape>(ref from, d), ref to, d);
            for (; d < length; d++)
                Unsafe.Add(ref to, d) = Load<ScalarOps, float, TShape>(ref from, d);
        }
    }

    /// <summary>
    /// The factor <see cref="LoadScaled"/> leaves out of the elements: 2¹¹² for Half (<see cref="HalfBits"/>), 1
    /// otherwise. The decoding loops fold it into their score scale and their probabilities.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScaledLoadFactor<TShape>() where TShape : struct, IKernelShape =>
        TShape.KvType == AttentionKvType.Half ? HalfBits.LeftOutFactor : 1;

    /// <summary><see cref="IVectorOps{TVector}.Width"/> elements at <paramref name="offset"/> elements from
    /// <paramref name="source"/>, as floats divided by <see cref="ScaledLoadFactor"/>, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadScaled<TOps, TVector, TShape>(ref byte source, int offset)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape =>
        TShape.KvType switch
        {
            AttentionKvType.Float32 => TOps.Load(ref Unsafe.As<byte, float>(ref source), offset),
            AttentionKvType.Half => TOps.LoadHalfScaled(ref Unsafe.As<byte, ushort>(ref source), offset),
            _ => TOps.LoadBFloat16(ref Unsafe.As<byte, ushort>(ref source), offset),
        };

    /// <summary>The element at <paramref name="offset"/> elements from <paramref name="source"/>, as a float divided by
    /// <see cref="ScaledLoadFactor"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalarScaled<TShape>(ref byte source, int offset) where TShape : struct, IKernelShape =>
        LoadScaled<ScalarOps, float, TShape>(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Load<TOps, TVector, TShape>(ref ushort source, int offset)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape =>
        TShape.KvType == AttentionKvType.Half ? TOps.LoadHalf(ref source, offset) : TOps.LoadBFloat16(ref source, offset);
}
