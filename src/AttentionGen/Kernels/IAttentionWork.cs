using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AttentionGen.Kernels;

/// <summary>
/// The work of one generated kernel, split into independent items (a key/value head and a panel of query
/// rows, or a key/value head and a range of keys, each). Implemented by a struct the generator nests in the
/// kernel class, so <see cref="ParallelKernel"/> can hand items to threads without a delegate per call.
/// </summary>
public interface IAttentionWork
{
    /// <summary>Independent work items of one call.</summary>
    static abstract int WorkItems { get; }

    /// <summary>Floats of per-call memory the items leave their partial results in for <see cref="Finish"/> (the
    /// softmax state of each range of keys, when one query row's keys are split); 0 when items write the output
    /// directly.</summary>
    static abstract int SharedFloats { get; }

    /// <summary>Runs work items, each claimed with <see cref="WorkQueue.Claim"/> from <paramref name="nextItem"/>,
    /// until the claims pass <see cref="WorkItems"/>. Arguments are already checked.</summary>
    /// <param name="shared"><see cref="SharedFloats"/> floats shared by every item of the call.</param>
    static abstract void Run(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        Span<float> output, int kvLength, Span<float> shared, ref int nextItem);

    /// <summary>Runs once after every item: combines the partial results in <paramref name="shared"/> into
    /// <paramref name="output"/> (nothing to do when <see cref="SharedFloats"/> is 0).</summary>
    static abstract void Finish(Span<float> shared, Span<float> output);
}

/// <summary>Hands out work items one at a time to whichever thread asks next.</summary>
public static class WorkQueue
{
    /// <summary>Claims the next item: returns <paramref name="nextItem"/> and advances it, atomically, so threads
    /// sharing the counter never run an item twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Claim(ref int nextItem) => Interlocked.Increment(ref nextItem) - 1;
}
