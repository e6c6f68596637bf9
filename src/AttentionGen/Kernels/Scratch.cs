using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>A generated kernel's scratch: cache-line alignment, so that no vector load or store of the packed panels
/// splits a cache line, and the copy that packs strided key and value rows into it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Scratch
{
    /// <summary>Extra floats a buffer needs so that <see cref="Align"/> can start it on a 64-byte boundary.</summary>
    public const int Padding = 15;

    /// <summary>The first <paramref name="length"/> floats of <paramref name="buffer"/> that start on a 64-byte
    /// boundary; <paramref name="buffer"/> holds at least <paramref name="length"/> + <see cref="Padding"/> floats.
    /// A heap buffer the GC moves later keeps working, merely unaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Span<float> Align(Span<float> buffer, int length)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer));
        int skip = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return buffer.Slice(skip, length);
    }

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="length"/> floats, <paramref name="sourceStride"/>
    /// apart, into consecutive rows of <paramref name="destination"/>. TokenMajor key and value rows of one head lie
    /// Heads·HeadDim floats apart: such strides map them onto a few L1 sets (3 KiB apart: 16 of 64), so a block of
    /// them evicts itself; packed once per head they are read by every panel from contiguous lines.
    /// </summary>
    public static void GatherRows(ref float source, int sourceStride, int rows, int length, ref float destination)
    {
        for (int row = 0; row < rows; row++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, (nint)row * sourceStride), length)
                .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, (nint)row * length), length));
        }
    }
}
