using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AttentionGen.Kernels;

/// <summary>
/// The work of one generated kernel, split into independent items (per batch item: a key/value head and a panel of
/// query rows, or a key/value head and a range of keys). Implemented by a struct the generator nests in the kernel
/// class, which picks the instruction set; <see cref="ParallelKernel"/> hands items to threads without a delegate.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IAttentionWork
{
    /// <summary>Work items of one batch item at the compiled lengths: the most it can have (a call at fewer query rows has fewer).</summary>
    static abstract int WorkItems { get; }

    /// <summary>Floats per batch item that the items leave their partial results in for <see cref="Finish"/> (the
    /// softmax state of each range of keys, when one query row's keys are split); 0 when items write the output
    /// directly.</summary>
    static abstract int SharedFloats { get; }

    /// <summary>Runs work items, each claimed with <see cref="WorkQueue.Claim"/> from <paramref name="nextItem"/>,
    /// until the claims pass the batch's items. Arguments are already checked.</summary>
    static abstract void Run(scoped in AttentionCall call, ref int nextItem);

    /// <summary>Runs once after every item: combines the partial results in the call's shared memory into the output
    /// (nothing to do when <see cref="SharedFloats"/> is 0).</summary>
    static abstract void Finish(scoped in AttentionCall call);
}

/// <summary>Hands out work items one at a time to whichever thread asks next.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkQueue
{
    /// <summary>Claims the next item: returns <paramref name="nextItem"/> and advances it, atomically, so threads
    /// sharing the counter never run an item twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Claim(ref int nextItem) => Interlocked.Increment(ref nextItem) - 1;
}
