using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AttentionGen.Tests.Hardening;

/// <summary>Linux <c>mmap</c>/<c>mprotect</c>/<c>munmap</c> (glibc; the constants are the same on x86-64 and arm64).</summary>
internal static unsafe partial class Libc
{
    public const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;

    [DllImport("libc.so.6", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint MMap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc.so.6", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int MProtect(nint address, nuint length, int protection);

    [DllImport("libc.so.6", EntryPoint = "munmap", SetLastError = true)]
    private static extern int MUnmap(nint address, nuint length);

    public static nint Map(nuint bytes)
    {
        nint address = MMap(0, bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == -1)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"mmap of {bytes} bytes failed");
        return address;
    }

    public static void Protect(nint address, nuint bytes, int protection)
    {
        if (bytes != 0 && MProtect(address, bytes, protection) != 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"mprotect({protection}) failed");
    }

    public static void Unmap(nint address, nuint bytes)
    {
        if (MUnmap(address, bytes) != 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "munmap failed");
    }
}

/// <summary>Where a span sits against its inaccessible (PROT_NONE) guard page.</summary>
public enum GuardPlacement
{
    /// <summary>The span's last element is the last float before a guard page: any read or write past it faults.</summary>
    End,

    /// <summary>The span's first element is the first float after a guard page: any access before it faults.</summary>
    Start,
}

/// <summary>
/// A float span in its own anonymous mapping, flush against a PROT_NONE guard page. With <see cref="GuardPlacement.End"/>
/// only the first <c>accessibleFloats</c> elements of the span are mapped at all: the rest of the span lies in guard
/// pages (a span a kernel may be handed but must never touch past that prefix). Memory of the accessible pages outside
/// the span is filled with a sentinel, so writes there are caught too.
/// </summary>
public sealed unsafe class GuardedBuffer : IDisposable
{
    /// <summary>A NaN with a payload no computation produces: outside-the-span memory must keep exactly these bits.</summary>
    public static readonly float Sentinel = BitConverter.Int32BitsToSingle(0x7FA5A5A5);

    private static readonly int Page = Environment.SystemPageSize;
    private readonly nint _mapping;
    private readonly nuint _mappingBytes;
    private readonly nint _data;          // first accessible byte
    private readonly int _dataFloats;     // accessible floats (whole pages)
    private readonly int _spanStart;      // span offset from _data, in floats
    private bool _disposed;

    private GuardedBuffer(int spanFloats, int accessibleFloats, GuardPlacement placement)
    {
        if (spanFloats <= 0 || accessibleFloats <= 0 || accessibleFloats > spanFloats)
            throw new ArgumentOutOfRangeException(nameof(accessibleFloats));
        if (placement == GuardPlacement.Start && accessibleFloats != spanFloats)
            throw new ArgumentException("A start-aligned span is accessible whole.", nameof(accessibleFloats));
        Length = spanFloats;
        Accessible = accessibleFloats;
        Placement = placement;
        int dataPages = Pages((long)accessibleFloats * sizeof(float));
        // End: the inaccessible part of the span plus one more page; Start: one page before and one after.
        int guardAfter = placement == GuardPlacement.End ? Pages((long)(spanFloats - accessibleFloats) * sizeof(float)) + 1 : 1;
        int guardBefore = placement == GuardPlacement.Start ? 1 : 0;
        _mappingBytes = (nuint)((long)(guardBefore + dataPages + guardAfter) * Page);
        _mapping = Libc.Map(_mappingBytes);
        _data = _mapping + guardBefore * Page;
        _dataFloats = dataPages * Page / sizeof(float);
        _spanStart = placement == GuardPlacement.End ? _dataFloats - accessibleFloats : 0;
        Libc.Protect(_mapping, (nuint)(guardBefore * Page), Libc.ProtNone);
        Libc.Protect(_data + dataPages * Page, (nuint)((long)guardAfter * Page), Libc.ProtNone);
        new Span<float>((void*)_data, _dataFloats).Fill(Sentinel);
    }

    /// <summary>A span of <paramref name="floats"/> elements, all accessible, flush against a guard page.</summary>
    public static GuardedBuffer Create(int floats, GuardPlacement placement) => new(floats, floats, placement);

    /// <summary>A span of <paramref name="spanFloats"/> elements of which only the first
    /// <paramref name="accessibleFloats"/> are mapped, the guard page right after them.</summary>
    public static GuardedBuffer Truncated(int spanFloats, int accessibleFloats) =>
        new(spanFloats, accessibleFloats, GuardPlacement.End);

    public int Length { get; }

    public int Accessible { get; }

    public GuardPlacement Placement { get; }

    /// <summary>The span under test. Its elements past <see cref="Accessible"/> lie in a guard page.</summary>
    public Span<float> Span => new((float*)_data + _spanStart, Length);

    /// <summary>Copies <paramref name="data"/> to the start of the span (only its accessible part is written).</summary>
    public GuardedBuffer With(ReadOnlySpan<float> data)
    {
        data.Slice(0, Accessible).CopyTo(new Span<float>((float*)_data + _spanStart, Accessible));
        return this;
    }

    /// <summary>Makes the accessible pages read-only: a write anywhere in them faults.</summary>
    public GuardedBuffer ReadOnly()
    {
        Libc.Protect(_data, (nuint)((long)_dataFloats * sizeof(float)), Libc.ProtRead);
        return this;
    }

    /// <summary>Index (in the accessible pages) of the first float outside the span that lost its sentinel, or -1.</summary>
    public int FirstWriteOutsideTheSpan()
    {
        var all = new ReadOnlySpan<float>((void*)_data, _dataFloats);
        int sentinel = BitConverter.SingleToInt32Bits(Sentinel);
        for (int n = 0; n < all.Length; n++)
        {
            bool inSpan = n >= _spanStart && n < _spanStart + Accessible;
            if (!inSpan && BitConverter.SingleToInt32Bits(all[n]) != sentinel)
                return n;
        }

        return -1;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Libc.Unmap(_mapping, _mappingBytes);
    }

    private static int Pages(long bytes) => (int)Math.Max(1, (bytes + Page - 1) / Page);
}
