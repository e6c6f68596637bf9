using System.Runtime.CompilerServices;
using System.Threading;
using System;

namespace AttentionGen.Kernels;

/// <summary>
/// The work of one generated kernel, split into independent items (a key/value head and a panel of query
/// rows each). Implemented by a struct the generator nests in the kernel class, so
/// <see cref="ParallelKernel"/> can hand items to threads without a delegate per call.
/// </summary>
public interface IAttentionWork
{
    /// <summary>Independent work items of one call.</summary>
    static abstract int WorkItems { get; }

    /// <summary>Runs work items, each claimed with <see cref="WorkQueue.Claim"/> from <paramref name="nextItem"/>,
    /// until the claims pass <see cref="WorkItems"/>. Arguments are already checked.</summary>
    static abstract void Run(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        Span<float> output, int kvLength, ref int nextItem);
}

/// <summary>Hands out work items one at a time to whichever thread asks next.</summary>
public static class WorkQueue
{
    /// <summary>Claims the next item: returns <paramref name="nextItem"/> and advances it, atomically, so threads
    /// sharing the counter never run an item twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Claim(ref int nextItem) => Interlocked.Increment(ref nextItem) - 1;
}
