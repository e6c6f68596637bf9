using System;
using System.ComponentModel;

namespace AttentionGen.Kernels;

/// <summary>
/// The arguments of one checked call: the spans of a batch of items, each at the kernel's compiled size, one after
/// another, and each item's query and key lengths. A single <c>Forward</c> is a batch of one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct AttentionCall
{
    /// <summary>The call's tensors and lengths.</summary>
    public AttentionCall(ReadOnlySpan<float> query, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ReadOnlySpan<float> sinks,
        Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths, Span<float> shared)
    {
        Query = query;
        Key = key;
        Value = value;
        Sinks = sinks;
        Output = output;
        QueryLengths = queryLengths;
        KvLengths = kvLengths;
        Shared = shared;
    }

    /// <summary>Queries of every item.</summary>
    public ReadOnlySpan<float> Query { get; }

    /// <summary>Keys of every item, as bytes of the kernel's <see cref="IKernelShape.KvType"/>.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Values of every item, as bytes of the kernel's <see cref="IKernelShape.KvType"/>.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>One sink logit per query head, shared by every item; empty for a kernel without sinks.</summary>
    public ReadOnlySpan<float> Sinks { get; }

    /// <summary>Outputs of every item.</summary>
    public Span<float> Output { get; }

    /// <summary>Query rows of each item.</summary>
    public ReadOnlySpan<int> QueryLengths { get; }

    /// <summary>Keys of each item.</summary>
    public ReadOnlySpan<int> KvLengths { get; }

    /// <summary>Memory the items leave partial results in for <c>Finish</c> (split-KV), or empty.</summary>
    public Span<float> Shared { get; }

    /// <summary>Items in the batch.</summary>
    public int BatchSize => QueryLengths.Length;
}
