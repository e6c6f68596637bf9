using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>
/// How a kernel's keys and values are stored (<see cref="IKernelShape.KvType"/>): loads that convert them to float32
/// as they are read (decoding streams its keys once), and the copy that converts rows of them into float32 rows (a
/// panel packs each head's keys and values once for all its panels).
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

    /// <summary><see cref="IVectorOps{TVector}.Width"/> elements at <paramref name="offset"/> elements from
    /// <paramref name="source"/>, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<TOps, TVector, TShape>(ref byte source, int offset)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape =>
        IsFloat32<TShape>()
            ? TOps.Load(ref Unsafe.As<byte, float>(ref source), offset)
            : Load<TOps, TVector, TShape>(ref Unsafe.As<byte, ushort>(ref source), offset);

    /// <summary>The element at <paramref name="offset"/> elements from <paramref name="source"/>, as a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar<TShape>(ref byte source, int offset) where TShape : struct, IKernelShape =>
        Load<ScalarOps, float, TShape>(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Load<TOps, TVector, TShape>(ref ushort source, int offset)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape =>
        TShape.KvType == AttentionKvType.Half ? TOps.LoadHalf(ref source, offset) : TOps.LoadBFloat16(ref source, offset);
}
