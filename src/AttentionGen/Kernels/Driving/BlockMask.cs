using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// How the mask cuts one block of keys for a panel of rows: keys <c>[FullFrom, FullTo)</c> of the block are allowed
/// for every row; the keys before (below a sliding window's start for some rows) and after (past the causal diagonal
/// for some rows) are allowed lane by lane.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct BlockMask
{
    /// <summary>The cut of a block of <paramref name="keys"/> keys from <paramref name="firstKey"/>, for rows whose
    /// allowed keys start at most at <paramref name="latestFirstKey"/> and end at least at <paramref name="earliestLastKey"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BlockMask(int keys, int firstKey, int latestFirstKey, int earliestLastKey)
    {
        Keys = keys;
        FullFrom = Math.Clamp(latestFirstKey - firstKey, 0, keys);
        FullTo = Math.Clamp(earliestLastKey + 1 - firstKey, FullFrom, keys);
    }

    /// <summary>Keys in the block.</summary>
    public int Keys { get; }

    /// <summary>The first key every row attends.</summary>
    public int FullFrom { get; }

    /// <summary>The end (exclusive) of the keys every row attends.</summary>
    public int FullTo { get; }

    /// <summary>Whether every row attends every key of the block.</summary>
    public bool IsFull => FullFrom == 0 && FullTo == Keys;
}
