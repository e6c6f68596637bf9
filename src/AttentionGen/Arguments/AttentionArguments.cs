using System;

namespace AttentionGen.Arguments;

/// <summary>
/// The contract's argument checks, shared by every generated kernel and the reference. They run before
/// anything is written, so a call that throws leaves the output untouched.
/// </summary>
public static class AttentionArguments
{
    /// <summary>Checks the spans and <paramref name="kvLength"/> of one call against the kernel's element counts.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/> is outside <c>1..kvLen</c>.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its element count, or <paramref name="output"/>
    /// overlaps an input.</exception>
    public static void Validate(
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output,
        int queryLength, int keyLength, int valueLength, int outputLength, int kvLength, int kvLen)
    {
        ValidateInputs(query, key, value, queryLength, keyLength, valueLength, kvLength, kvLen);
        if (output.Length < outputLength)
            ThrowTooShort(nameof(output), outputLength, output.Length);

        ReadOnlySpan<float> written = output.Slice(0, outputLength);
        if (written.Overlaps(query.Slice(0, queryLength)))
            ThrowOverlap(nameof(query));
        if (written.Overlaps(key.Slice(0, keyLength)))
            ThrowOverlap(nameof(key));
        if (written.Overlaps(value.Slice(0, valueLength)))
            ThrowOverlap(nameof(value));
    }

    /// <summary>The checks of <see cref="Validate"/> that concern the inputs and <paramref name="kvLength"/> only,
    /// for callers that write no output span (the reference's row and float64 entry points).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kvLength"/> is outside <c>1..kvLen</c>.</exception>
    /// <exception cref="ArgumentException">An input span is shorter than its element count.</exception>
    public static void ValidateInputs(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        int queryLength, int keyLength, int valueLength, int kvLength, int kvLen)
    {
        if ((uint)(kvLength - 1) >= (uint)kvLen)
            ThrowKvLength(kvLength, kvLen);
        if (query.Length < queryLength)
            ThrowTooShort(nameof(query), queryLength, query.Length);
        if (key.Length < keyLength)
            ThrowTooShort(nameof(key), keyLength, key.Length);
        if (value.Length < valueLength)
            ThrowTooShort(nameof(value), valueLength, value.Length);
    }

    private static void ThrowKvLength(int kvLength, int kvLen) =>
        throw new ArgumentOutOfRangeException(nameof(kvLength), kvLength,
            $"kvLength must be between 1 and KvLen ({kvLen}).");

    private static void ThrowTooShort(string parameter, int needed, int actual) =>
        throw new ArgumentException(
            $"The span '{parameter}' has {actual} elements; the kernel needs at least {needed}.", parameter);

    private static void ThrowOverlap(string input) =>
        throw new ArgumentException(
            $"The span 'output' overlaps '{input}'; the output must not share memory with an input.", "output");
}
