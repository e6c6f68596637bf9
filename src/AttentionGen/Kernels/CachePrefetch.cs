using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Kernels;

/// <summary>Software prefetch of rows a kernel is about to read, for access patterns the hardware prefetchers miss
/// (rows several KiB apart, as in TokenMajor key/value rows, or the next tile's rows while this one computes).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CachePrefetch
{
    /// <summary>Asks for <paramref name="rows"/> rows of <paramref name="floats"/> floats, <paramref name="stride"/>
    /// floats apart, to be brought into the cache ahead of use. A hint only: it never faults, so the rows may lie past
    /// the end of a span. x86 only; elsewhere it does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(ref float first, int stride, int rows, int floats) =>
        Bytes(ref Unsafe.As<float, byte>(ref first), stride * sizeof(float), rows, floats * sizeof(float));

    /// <summary><see cref="Rows(ref float, int, int, int)"/> for rows of key or value elements of a kernel's
    /// <see cref="IKernelShape.KvType"/>: <paramref name="stride"/> and <paramref name="elements"/> count elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows<TShape>(ref byte first, int stride, int rows, int elements) where TShape : struct, IKernelShape =>
        Bytes(ref first, stride * KeyValueFormat.ElementSize<TShape>(), rows, elements * KeyValueFormat.ElementSize<TShape>());

    /// <summary>How far ahead a loop streaming K or V rows from memory prefetches: 16 float32 rows' bytes (8 KiB at
    /// D = 128), enough to keep several rows in flight (twice the rows for 16-bit ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RowsAhead<TShape>() where TShape : struct, IKernelShape =>
        16 * sizeof(float) / KeyValueFormat.ElementSize<TShape>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Bytes(ref byte first, int stride, int rows, int length)
    {
        if (!Sse.IsSupported)
            return;
        for (int r = 0; r < rows; r++)
        {
            byte* row = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref first, r * stride));
            for (int offset = 0; offset < length; offset += 64)
                Sse.Prefetch0(row + offset);
        }
    }
}
