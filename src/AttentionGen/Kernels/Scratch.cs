using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>Cache-line alignment for a generated kernel's scratch, so that no vector load or store of the packed
/// panels splits a cache line.</summary>
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
}
