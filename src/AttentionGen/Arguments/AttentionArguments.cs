using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AttentionGen.Arguments;

/// <summary>
/// The contract's argument checks, shared by every generated kernel and the reference. They run before anything is
/// written, so a call that throws leaves the output untouched.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AttentionArguments
{
    /// <summary>Checks the spans and lengths of one call against the kernel's element counts.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="queryLength"/> is outside <c>1..seqLen</c> or
    /// <paramref name="kvLength"/> outside <c>1..kvLen</c>.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its element count, or <paramref name="output"/>
    /// overlaps an input.</exception>
    public static void Validate<TKv>(
        ReadOnlySpan<float> query, ReadOnlySpan<TKv> key, ReadOnlySpan<TKv> value, Span<float> output,
        int queryElements, int keyElements, int valueElements, int outputElements,
        int queryLength, int seqLen, int kvLength, int kvLen)
        where TKv : unmanaged
    {
        if ((uint)(queryLength - 1) >= (uint)seqLen)
            ThrowLength(nameof(queryLength), queryLength, "SeqLen", seqLen);
        ValidateInputs(query, key, value, queryElements, keyElements, valueElements, kvLength, kvLen);
        ValidateOutput(query, key, value, output, queryElements, keyElements, valueElements, outputElements);
    }

    /// <summary>Checks the spans and lengths of a batch: B = <paramref name="queryLengths"/>.Length items, each at the
    /// kernel's element counts, one after another.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A query length is outside <c>1..seqLen</c> or a key length outside
    /// <c>1..kvLen</c>.</exception>
    /// <exception cref="ArgumentException">The batch is empty, the two length spans differ in length, a span is
    /// shorter than B times its element count, or <paramref name="output"/> overlaps an input.</exception>
    public static void ValidateBatch<TKv>(
        ReadOnlySpan<float> query, ReadOnlySpan<TKv> key, ReadOnlySpan<TKv> value, Span<float> output,
        int queryElements, int keyElements, int valueElements, int outputElements,
        ReadOnlySpan<int> queryLengths, int seqLen, ReadOnlySpan<int> kvLengths, int kvLen)
        where TKv : unmanaged
    {
        int items = queryLengths.Length;
        if (items == 0)
            throw new ArgumentException("A batch needs at least one item: queryLengths is empty.", nameof(queryLengths));
        if (kvLengths.Length != items)
        {
            throw new ArgumentException(
                $"kvLengths has {kvLengths.Length} lengths; the batch has {items} items (queryLengths.Length).", nameof(kvLengths));
        }

        for (int b = 0; b < items; b++)
        {
            if ((uint)(queryLengths[b] - 1) >= (uint)seqLen)
                ThrowLength(nameof(queryLengths), queryLengths[b], "SeqLen", seqLen, b);
            if ((uint)(kvLengths[b] - 1) >= (uint)kvLen)
                ThrowLength(nameof(kvLengths), kvLengths[b], "KvLen", kvLen, b);
        }

        ValidateInputs(query, key, value, Total(queryElements, items), Total(keyElements, items), Total(valueElements, items), 1, kvLen);
        ValidateOutput(query, key, value, output, Total(queryElements, items), Total(keyElements, items),
            Total(valueElements, items), Total(outputElements, items));
    }

    /// <summary>The checks of <see cref="Validate"/> that concern the inputs and <paramref name="kvLength"/> only,
    /// for callers that write no output span (the reference's row and float64 entry points).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/> is outside <c>1..kvLen</c>.</exception>
    /// <exception cref="ArgumentException">An input span is shorter than its element count.</exception>
    public static void ValidateInputs<TKv>(ReadOnlySpan<float> query, ReadOnlySpan<TKv> key, ReadOnlySpan<TKv> value,
        int queryElements, int keyElements, int valueElements, int kvLength, int kvLen)
        where TKv : unmanaged
    {
        if ((uint)(kvLength - 1) >= (uint)kvLen)
            ThrowLength(nameof(kvLength), kvLength, "KvLen", kvLen);
        if (query.Length < queryElements)
            ThrowTooShort(nameof(query), queryElements, query.Length);
        if (key.Length < keyElements)
            ThrowTooShort(nameof(key), keyElements, key.Length);
        if (value.Length < valueElements)
            ThrowTooShort(nameof(value), valueElements, value.Length);
    }

    private static void ValidateOutput<TKv>(ReadOnlySpan<float> query, ReadOnlySpan<TKv> key, ReadOnlySpan<TKv> value,
        Span<float> output, int queryElements, int keyElements, int valueElements, int outputElements)
        where TKv : unmanaged
    {
        if (output.Length < outputElements)
            ThrowTooShort(nameof(output), outputElements, output.Length);

        ReadOnlySpan<float> written = output.Slice(0, outputElements);
        if (written.Overlaps(query.Slice(0, queryElements)))
            ThrowOverlap(nameof(query));
        if (MemoryMarshal.AsBytes(written).Overlaps(MemoryMarshal.AsBytes(key.Slice(0, keyElements))))
            ThrowOverlap(nameof(key));
        if (MemoryMarshal.AsBytes(written).Overlaps(MemoryMarshal.AsBytes(value.Slice(0, valueElements))))
            ThrowOverlap(nameof(value));
    }

    /// <summary>Checks a kernel's sink logits: one per query head.</summary>
    /// <exception cref="ArgumentException"><paramref name="sinks"/> has fewer than <paramref name="heads"/> elements.</exception>
    public static void ValidateSinks(ReadOnlySpan<float> sinks, int heads)
    {
        if (sinks.Length < heads)
            throw new ArgumentException($"The span 'sinks' has {sinks.Length} elements; the kernel needs one per query head ({heads}).", nameof(sinks));
    }

    /// <summary>Elements of <paramref name="items"/> items; a total past int.MaxValue cannot fit any span.</summary>
    private static int Total(int elements, int items)
    {
        long total = (long)elements * items;
        if (total > int.MaxValue)
            throw new ArgumentException($"A batch of {items} items needs {total} elements per tensor, more than a span holds.", "queryLengths");
        return (int)total;
    }

    private static void ThrowLength(string parameter, int length, string limitName, int limit, int item = -1) =>
        throw new ArgumentOutOfRangeException(parameter, length,
            (item >= 0 ? $"{parameter}[{item}]" : parameter) + $" must be between 1 and {limitName} ({limit}).");

    private static void ThrowTooShort(string parameter, int needed, int actual) =>
        throw new ArgumentException(
            $"The span '{parameter}' has {actual} elements; the kernel needs at least {needed}.", parameter);

    private static void ThrowOverlap(string input) =>
        throw new ArgumentException(
            $"The span 'output' overlaps '{input}'; the output must not share memory with an input.", "output");
}
