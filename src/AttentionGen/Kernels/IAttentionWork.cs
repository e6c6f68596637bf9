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

    /// <summary>Runs items <paramref name="firstItem"/>, <paramref name="firstItem"/> + <paramref name="step"/>, …
    /// below <see cref="WorkItems"/>. Arguments are already checked.</summary>
    static abstract void Run(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        Span<float> output, int kvLength, int firstItem, int step);
}
