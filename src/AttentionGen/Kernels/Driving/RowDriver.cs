using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>
/// The row strategy, written once for every kernel: few query rows against many keys (decoding), the head dimension in
/// the vector lanes. Blocks of keys lie outside and rows inside, so a GQA group reads each block of K and V once from
/// memory. A work item is a batch item's key/value head, or one range of its keys (split-KV, merged by
/// <see cref="Finish"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowDriver
{
    /// <summary>Per row: running max, running sum, accumulator <c>[HeadDim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowState<TShape>() where TShape : struct, IKernelShape => TShape.HeadDim + 2;

    /// <summary>Work items of one batch item: key/value heads × key ranges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WorkItems<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath =>
        TShape.KvHeads * TPath.KeySplits;

    /// <summary>Floats one batch item leaves in the call's shared memory: every item's row states, 0 without split-KV.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SharedFloats<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath =>
        TPath.KeySplits > 1 ? WorkItems<TShape, TPath>() * ItemFloats<TShape>() : 0;

    /// <summary>Rows of scores the scratch holds for a block: a GQA group's rows go up to four at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScoreRows<TShape>() where TShape : struct, IKernelShape =>
        Math.Min(GroupRows.Rows, KernelLayout.GroupSize<TShape>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ItemFloats<TShape>() where TShape : struct, IKernelShape =>
        KernelLayout.MaxRowsPerKvHead<TShape>() * RowState<TShape>();

    /// <summary>Runs the work items it claims from <paramref name="nextItem"/> until none is left (arguments checked).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOps, TVector, TShape, TPath>(scoped in AttentionCall call, ref int nextItem)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath
    {
        // Scores, then P, of four rows [4][KeyBlock]; row states [rows][RowState].
        int floats = ScoreRows<TShape>() * TPath.KeyBlock + ItemFloats<TShape>();
        float[]? rented = TPath.ScratchOnStack ? null : ArrayPool<float>.Shared.Rent(floats + Scratch.Padding);
        Span<float> scratch = TPath.ScratchOnStack
            ? Scratch.Align(stackalloc float[floats + Scratch.Padding], floats)
            : Scratch.Align(rented, floats);

        int itemsPerBatchItem = WorkItems<TShape, TPath>(), total = call.BatchSize * itemsPerBatchItem;
        for (int item = WorkQueue.Claim(ref nextItem); item < total; item = WorkQueue.Claim(ref nextItem))
        {
            int batchItem = item / itemsPerBatchItem, local = item - batchItem * itemsPerBatchItem;
            RunItem<TOps, TVector, TShape, TPath>(call, batchItem, local, scratch);
        }

        if (rented != null)
            ArrayPool<float>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunItem<TOps, TVector, TShape, TPath>(scoped in AttentionCall call, int batchItem, int local, Span<float> scratch)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath
    {
        int headDim = TShape.HeadDim, rowState = RowState<TShape>(), stride = KernelLayout.KvRowStride<TShape>();
        int queryLength = call.QueryLengths[batchItem], kvLength = call.KvLengths[batchItem];
        int group = KernelLayout.GroupSize<TShape>(), rows = queryLength * group;
        int kvHead = TPath.KeySplits > 1 ? local / TPath.KeySplits : local;
        int firstKey = TPath.KeySplits > 1 ? (local - kvHead * TPath.KeySplits) * KernelLayout.SplitKeys<TShape>(TPath.KeyBlock, TPath.KeySplits) : 0;
        ref float queryStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Query), (nint)batchItem * KernelLayout.QueryElements<TShape>());
        ref byte keyTensor = ref KeyValueFormat.At<TShape>(ref MemoryMarshal.GetReference(call.Key), (nint)batchItem * KernelLayout.KeyElements<TShape>());
        ref byte valueTensor = ref KeyValueFormat.At<TShape>(ref MemoryMarshal.GetReference(call.Value), (nint)batchItem * KernelLayout.KeyElements<TShape>());
        ref float scores = ref MemoryMarshal.GetReference(scratch);

        // The row states live in the scratch, or with split-KV in the shared memory, for Finish to merge.
        Span<float> state = TPath.KeySplits > 1
            ? call.Shared.Slice(batchItem * SharedFloats<TShape, TPath>() + local * ItemFloats<TShape>(), rows * rowState)
            : scratch.Slice(ScoreRows<TShape>() * TPath.KeyBlock, rows * rowState);
        // Each row's softmax state starts empty (max −∞, sum 0), or holding its sink (max its logit, sum 1) in the item
        // whose keys start at 0, so that a row split over key ranges counts it once.
        state.Clear();
        bool seeded = TShape.Sinks && firstKey == 0;
        for (int row = 0; row < rows; row++)
        {
            state[row * rowState] = seeded ? ScoreTransform.SinkLog2(call.Sinks[KernelLayout.Head<TShape>(kvHead, row)]) : float.NegativeInfinity;
            state[row * rowState + 1] = seeded ? 1 : 0;
        }

        // Rows lie in position order: the first row's window starts first, the last row's keys end last.
        int keyStart = Math.Max(firstKey, KernelLayout.FirstKey<TShape>(0, queryLength, kvLength));
        int keyEnd = KernelLayout.KeyEnd<TShape>(rows - 1, queryLength, kvLength);
        if (TPath.KeySplits > 1)
            keyEnd = Math.Min(firstKey + KernelLayout.SplitKeys<TShape>(TPath.KeyBlock, TPath.KeySplits), keyEnd);
        for (int blockStart = keyStart; blockStart < keyEnd; blockStart += TPath.KeyBlock)
        {
            int blockEnd = Math.Min(blockStart + TPath.KeyBlock, keyEnd);
            ref byte keyRows = ref KeyValueFormat.At<TShape>(ref keyTensor, KernelLayout.KeyOffset<TShape>(kvHead, blockStart));
            ref byte valueRows = ref KeyValueFormat.At<TShape>(ref valueTensor, KernelLayout.KeyOffset<TShape>(kvHead, blockStart));
            // The rows of one position share their keys; a GQA group's rows go four at a time, reading each key once.
            for (int position = 0; position < queryLength; position++)
            {
                int firstRow = position * group;
                int from = Math.Max(blockStart, KernelLayout.FirstKey<TShape>(firstRow, queryLength, kvLength));
                int count = Math.Min(blockEnd, KernelLayout.KeyEnd<TShape>(firstRow, queryLength, kvLength)) - from;
                if (count <= 0)
                    continue; // this position's allowed keys are in other blocks

                ref byte keys = ref KeyValueFormat.At<TShape>(ref keyRows, (from - blockStart) * stride);
                ref byte values = ref KeyValueFormat.At<TShape>(ref valueRows, (from - blockStart) * stride);
                for (int chunk = 0; chunk < group; chunk += GroupRows.Rows)
                {
                    RunRows<TOps, TVector, TShape, TPath>(ref queryStart, ref keys, ref values, ref scores, state, kvHead, firstRow + chunk,
                        Math.Min(GroupRows.Rows, group - chunk), from, count, queryLength, kvLength);
                }
            }
        }

        if (TPath.KeySplits > 1)
            return;
        ref float outputStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Output), (nint)batchItem * KernelLayout.QueryElements<TShape>());
        for (int row = 0; row < rows; row++)
        {
            RowAttention.WriteRow(ref state[row * rowState + 2], state[row * rowState + 1], headDim,
                ref Unsafe.Add(ref outputStart, KernelLayout.QueryOffset<TShape>(kvHead, row)));
        }
    }

    /// <summary>One block's keys <c>[from, from + count)</c> for <paramref name="rows"/> (1 to 4) rows from
    /// <paramref name="firstRow"/>: scores, score transform, online softmax, values. One row streams alone; two to four
    /// go through <see cref="GroupRows"/>, the missing ones repeating the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunRows<TOps, TVector, TShape, TPath>(ref float queryStart, ref byte keys, ref byte values, ref float scores,
        Span<float> state, int kvHead, int firstRow, int rows, int from, int count, int queryLength, int kvLength)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath
    {
        int headDim = TShape.HeadDim, rowState = RowState<TShape>(), stride = KernelLayout.KvRowStride<TShape>();
        ref float states = ref MemoryMarshal.GetReference(state);
        if (rows == 1)
        {
            ref float rowState0 = ref Unsafe.Add(ref states, firstRow * rowState);
            RowAttention.Scores<TOps, TVector, TShape>(ref Unsafe.Add(ref queryStart, KernelLayout.QueryOffset<TShape>(kvHead, firstRow)),
                ref keys, stride, count, headDim, TShape.ScoreScale, ref scores);
            float alpha = Softmax<TOps, TVector, TShape>(ref scores, ref rowState0, kvHead, firstRow, from, count, queryLength, kvLength);
            RowAttention.Accumulate<TOps, TVector, TShape>(ref values, stride, ref scores, count, headDim, alpha, ref Unsafe.Add(ref rowState0, 2));
            return;
        }

        int last = rows - 1, r1 = Math.Min(1, last), r2 = Math.Min(2, last), r3 = Math.Min(3, last);
        ref float s0 = ref scores, s1 = ref Unsafe.Add(ref scores, r1 * TPath.KeyBlock);
        ref float s2 = ref Unsafe.Add(ref scores, r2 * TPath.KeyBlock), s3 = ref Unsafe.Add(ref scores, r3 * TPath.KeyBlock);
        ref float o0 = ref Unsafe.Add(ref states, firstRow * rowState), o1 = ref Unsafe.Add(ref states, (firstRow + r1) * rowState);
        ref float o2 = ref Unsafe.Add(ref states, (firstRow + r2) * rowState), o3 = ref Unsafe.Add(ref states, (firstRow + r3) * rowState);
        GroupRows.Scores<TOps, TVector, TShape>(ref Query<TShape>(ref queryStart, kvHead, firstRow), ref Query<TShape>(ref queryStart, kvHead, firstRow + r1),
            ref Query<TShape>(ref queryStart, kvHead, firstRow + r2), ref Query<TShape>(ref queryStart, kvHead, firstRow + r3),
            ref keys, stride, count, TShape.ScoreScale, ref s0, ref s1, ref s2, ref s3);

        float alpha0 = Softmax<TOps, TVector, TShape>(ref s0, ref o0, kvHead, firstRow, from, count, queryLength, kvLength);
        float alpha1 = r1 == 1 ? Softmax<TOps, TVector, TShape>(ref s1, ref o1, kvHead, firstRow + 1, from, count, queryLength, kvLength) : alpha0;
        float alpha2 = r2 == 2 ? Softmax<TOps, TVector, TShape>(ref s2, ref o2, kvHead, firstRow + 2, from, count, queryLength, kvLength) : alpha1;
        float alpha3 = r3 == 3 ? Softmax<TOps, TVector, TShape>(ref s3, ref o3, kvHead, firstRow + 3, from, count, queryLength, kvLength) : alpha2;
        GroupRows.Accumulate<TOps, TVector, TShape>(ref values, stride, count, headDim, ref s0, ref s1, ref s2, ref s3,
            alpha0, alpha1, alpha2, alpha3, ref Unsafe.Add(ref o0, 2), ref Unsafe.Add(ref o1, 2), ref Unsafe.Add(ref o2, 2),
            ref Unsafe.Add(ref o3, 2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Query<TShape>(ref float queryStart, int kvHead, int row) where TShape : struct, IKernelShape =>
        ref Unsafe.Add(ref queryStart, KernelLayout.QueryOffset<TShape>(kvHead, row));

    /// <summary>A row's score transform and online-softmax step over its block of scores; returns the factor its
    /// accumulator is rescaled by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Softmax<TOps, TVector, TShape>(ref float scores, ref float rowState, int kvHead, int row, int from, int count,
        int queryLength, int kvLength)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        if (ScoreTransform.Applies<TShape>())
        {
            float slope = TShape.Alibi ? ScoreTransform.NegatedSlope<TShape>(KernelLayout.Head<TShape>(kvHead, row)) : 0;
            ScoreTransform.Row<TOps, TVector, TShape>(ref scores, count, from, KernelLayout.Position<TShape>(row, queryLength, kvLength), slope);
        }

        return RowAttention.UpdateRow<TOps, TVector>(ref scores, count, ref rowState, ref Unsafe.Add(ref rowState, 1),
            KeyValueFormat.ScaledLoadFactor<TShape>());
    }

    /// <summary>Merges each row's key ranges (split-KV, after every item has run) and writes the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Finish<TShape, TPath>(scoped in AttentionCall call)
        where TShape : struct, IKernelShape
        where TPath : struct, IRowPath
    {
        if (TPath.KeySplits == 1)
            return;
        int rowState = RowState<TShape>();
        for (int batchItem = 0; batchItem < call.BatchSize; batchItem++)
        {
            int rows = call.QueryLengths[batchItem] * KernelLayout.GroupSize<TShape>();
            ref float states = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Shared), batchItem * SharedFloats<TShape, TPath>());
            ref float output = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Output), (nint)batchItem * KernelLayout.QueryElements<TShape>());
            for (int kvHead = 0; kvHead < TShape.KvHeads; kvHead++)
            {
                for (int row = 0; row < rows; row++)
                {
                    ref float first = ref Unsafe.Add(ref states, (kvHead * TPath.KeySplits * KernelLayout.MaxRowsPerKvHead<TShape>() + row) * rowState);
                    RowAttention.MergeSplits(ref first, ref Unsafe.Add(ref first, 1), ref Unsafe.Add(ref first, 2), TPath.KeySplits,
                        ItemFloats<TShape>(), TShape.HeadDim, 1, ref Unsafe.Add(ref output, KernelLayout.QueryOffset<TShape>(kvHead, row)));
                }
            }
        }
    }
}
