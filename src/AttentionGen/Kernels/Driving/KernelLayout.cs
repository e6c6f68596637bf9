using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Where rows of a kernel's tensors lie, and which keys each query row attends: the layout and the mask, written once
/// for every kernel. The query rows of one key/value head are the rows of its whole GQA group, interleaved:
/// row = position · GroupSize + (head in group).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelLayout
{
    /// <summary>Query heads per key/value head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GroupSize<TShape>() where TShape : struct, IKernelShape => TShape.Heads / TShape.KvHeads;

    /// <summary>Query rows per key/value head at the compiled length: the most a call has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MaxRowsPerKvHead<TShape>() where TShape : struct, IKernelShape => TShape.SeqLen * GroupSize<TShape>();

    /// <summary>Elements of one batch item's query (and output) tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int QueryElements<TShape>() where TShape : struct, IKernelShape =>
        TShape.Heads * TShape.SeqLen * TShape.HeadDim;

    /// <summary>Elements of one batch item's key (and value) tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyElements<TShape>() where TShape : struct, IKernelShape =>
        TShape.KvHeads * TShape.KvLen * TShape.HeadDim;

    /// <summary>Elements between consecutive key (and value) rows of one head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KvRowStride<TShape>() where TShape : struct, IKernelShape =>
        TShape.TokenMajor ? TShape.KvHeads * TShape.HeadDim : TShape.HeadDim;

    /// <summary>Offset of query (and output) row <paramref name="row"/> of key/value head <paramref name="kvHead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int QueryOffset<TShape>(int kvHead, int row) where TShape : struct, IKernelShape
    {
        int group = GroupSize<TShape>();
        int head = group == 1 ? kvHead : kvHead * group + row % group;
        int position = group == 1 ? row : row / group;
        return TShape.TokenMajor
            ? (position * TShape.Heads + head) * TShape.HeadDim
            : (head * TShape.SeqLen + position) * TShape.HeadDim;
    }

    /// <summary>Offset of key (and value) position <paramref name="position"/> of key/value head <paramref name="kvHead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyOffset<TShape>(int kvHead, int position) where TShape : struct, IKernelShape =>
        TShape.TokenMajor
            ? (position * TShape.KvHeads + kvHead) * TShape.HeadDim
            : (kvHead * TShape.KvLen + position) * TShape.HeadDim;

    /// <summary>Keys per split-KV range: whole key blocks, the compiled key length's blocks spread over
    /// <paramref name="splits"/> ranges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SplitKeys<TShape>(int keyBlock, int splits) where TShape : struct, IKernelShape
    {
        int blocks = (TShape.KvLen + keyBlock - 1) / keyBlock;
        return (blocks + splits - 1) / splits * keyBlock;
    }

    /// <summary>The last key query row <paramref name="row"/> may attend, by the mask: with <c>Causal</c> its absolute
    /// position (rows align bottom-right: row i of <paramref name="queryLength"/> stands at
    /// <c>i + kvLength − queryLength</c>), else the last key. May be below 0 (no key) for a causal row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LastKey<TShape>(int row, int queryLength, int kvLength) where TShape : struct, IKernelShape =>
        TShape.Causal ? Position<TShape>(row, queryLength, kvLength) : kvLength - 1;

    /// <summary>The first key query row <paramref name="row"/> may attend: with a sliding window the oldest key in it,
    /// <c>LastKey − Window + 1</c> (at least 0), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstKey<TShape>(int row, int queryLength, int kvLength) where TShape : struct, IKernelShape =>
        TShape.Windowed ? Math.Max(0, LastKey<TShape>(row, queryLength, kvLength) - TShape.Window + 1) : 0;

    /// <summary>The absolute position of query row <paramref name="row"/>: <c>i + kvLength − queryLength</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Position<TShape>(int row, int queryLength, int kvLength) where TShape : struct, IKernelShape =>
        row / GroupSize<TShape>() + kvLength - queryLength;

    /// <summary>The query head of row <paramref name="row"/> of key/value head <paramref name="kvHead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Head<TShape>(int kvHead, int row) where TShape : struct, IKernelShape =>
        kvHead * GroupSize<TShape>() + row % GroupSize<TShape>();

    /// <summary>The end (exclusive) of the keys row <paramref name="row"/> attends: <c>[FirstKey, KeyEnd)</c>, within
    /// <c>0..kvLength</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyEnd<TShape>(int row, int queryLength, int kvLength) where TShape : struct, IKernelShape =>
        Math.Clamp(LastKey<TShape>(row, queryLength, kvLength) + 1, 0, kvLength);
}
