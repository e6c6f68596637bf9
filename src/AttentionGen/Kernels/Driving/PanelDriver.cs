using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Kernels;

/// <summary>
/// The panel strategy's driver, written once for every kernel and specialized by the JIT per shape and instruction set:
/// the loop over work items (batch item, key/value head, panel of query rows, range of keys), the query pack, the key
/// blocks with their online softmax, the causal diagonal, and the output. The generated path supplies the tiles.
/// </summary>
/// <remarks>
/// Per panel: pack <c>Qᵀ · ScoreScale</c>; for each block of keys:
/// 1. scores <c>Sᵀ = K · Qᵀ</c> in register tiles, folding each lane's max;
/// 2. softmax: mask, running max, <c>2^(s − max)</c>, running sum, rescale (<see cref="OnlineSoftmax"/>);
/// 3. values <c>O += P · V</c> in register tiles.
/// Then write <c>O / sum</c>; a row-major accumulator leaves from the last block's value tiles straight from their
/// registers.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PanelDriver
{
    /// <summary>Panels per key/value head at the compiled length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MaxPanels<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        (KernelLayout.MaxRowsPerKvHead<TShape>() + TPath.PanelLanes - 1) / TPath.PanelLanes;

    /// <summary>Whether a worker packs each key/value head's K and V into its scratch, as float32: when the plan says so
    /// (TokenMajor strides), and always for 16-bit keys and values, which are converted as they are packed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Packs<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        TPath.PackKeyValues || !KeyValueFormat.IsFloat32<TShape>();

    /// <summary>Work items of one batch item at the compiled lengths (the most it can have): key/value heads × panels ×
    /// key ranges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WorkItems<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        TShape.KvHeads * MaxPanels<TShape, TPath>() * TPath.KeySplits;

    /// <summary>Panels per key/value head of a call with <paramref name="queryLength"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Panels<TShape, TPath>(int queryLength)
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        (queryLength * KernelLayout.GroupSize<TShape>() + TPath.PanelLanes - 1) / TPath.PanelLanes;

    /// <summary>Work items of one batch item with <paramref name="queryLength"/> rows: key/value heads × its panels × key
    /// ranges, numbered <c>(kvHead · panels + panel) · KeySplits + range</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ItemsOf<TShape, TPath>(int queryLength)
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        TShape.KvHeads * Panels<TShape, TPath>(queryLength) * TPath.KeySplits;

    /// <summary>An item's softmax state left for <see cref="Finish"/> (split-KV): accumulator, then running max and
    /// sum per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ItemState<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        TShape.HeadDim * TPath.PanelLanes + 2 * TPath.PanelLanes;

    /// <summary>Floats one batch item leaves in the call's shared memory: 0 without split-KV.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SharedFloats<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        TPath.KeySplits > 1 ? WorkItems<TShape, TPath>() * ItemState<TShape, TPath>() : 0;

    /// <summary>Runs the work items it claims from <paramref name="nextItem"/> until none is left (arguments checked).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOps, TVector, TShape, TPath>(scoped in AttentionCall call, ref int nextItem)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        PanelScratch layout = PanelScratch.For<TShape, TPath>();
        float[]? rented = TPath.ScratchOnStack ? null : ArrayPool<float>.Shared.Rent(layout.Floats + Scratch.Padding);
        Span<float> scratch = TPath.ScratchOnStack
            ? Scratch.Align(stackalloc float[layout.Floats + Scratch.Padding], layout.Floats)
            : Scratch.Align(rented, layout.Floats);
        Span<int> rowOffsets = stackalloc int[TPath.PanelLanes];
        if (TPath.NarrowTileRows > 0 || TPath.NarrowDotRows > 0)
            scratch.Slice(layout.ScoresAt, TPath.KeyBlock * TPath.PanelLanes).Clear(); // lanes a narrow panel leaves alone hold numbers

        // Items are numbered batch item by batch item, each with only the panels its query length has, so no claim is
        // spent on a panel past a call's rows. A worker's claims only grow: it walks the batch forward once.
        var panel = new PanelState(scratch, rowOffsets);
        int batchItem = 0, firstItem = 0, items = ItemsOf<TShape, TPath>(call.QueryLengths[0]);
        for (int item = WorkQueue.Claim(ref nextItem); ; item = WorkQueue.Claim(ref nextItem))
        {
            while (item - firstItem >= items && ++batchItem < call.BatchSize)
            {
                firstItem += items;
                items = ItemsOf<TShape, TPath>(call.QueryLengths[batchItem]);
            }

            if (batchItem >= call.BatchSize)
                break;
            RunItem<TOps, TVector, TShape, TPath>(call, batchItem, item - firstItem, ref panel);
        }

        if (rented != null)
            ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>A worker's scratch and what it knows across items: the key/value head whose K and V it has packed.</summary>
    private ref struct PanelState(Span<float> scratch, Span<int> rowOffsets)
    {
        public readonly Span<float> Scratch = scratch;
        public readonly Span<int> RowOffsets = rowOffsets;
        public int PackedHead = -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunItem<TOps, TVector, TShape, TPath>(scoped in AttentionCall call, int batchItem, int local,
        ref PanelState state)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int headDim = TShape.HeadDim, panelLanes = TPath.PanelLanes, group = KernelLayout.GroupSize<TShape>();
        int queryLength = call.QueryLengths[batchItem], kvLength = call.KvLengths[batchItem];
        int panelItem = TPath.KeySplits > 1 ? local / TPath.KeySplits : local, panels = Panels<TShape, TPath>(queryLength);
        int firstKey = TPath.KeySplits > 1 ? (local - panelItem * TPath.KeySplits) * KernelLayout.SplitKeys<TShape>(TPath.KeyBlock, TPath.KeySplits) : 0;
        int kvHead = panelItem / panels;
        int firstRow = (panelItem - kvHead * panels) * panelLanes;
        int rowsPerKvHead = queryLength * group;

        PanelScratch layout = PanelScratch.For<TShape, TPath>();
        Span<float> scratch = state.Scratch;
        ref float start = ref MemoryMarshal.GetReference(scratch);
        ref float queryPanel = ref start;
        ref float accumulator = ref Unsafe.Add(ref start, layout.AccumulatorAt);
        ref float scores = ref Unsafe.Add(ref start, layout.ScoresAt);
        ref float max = ref Unsafe.Add(ref start, layout.MaxAt);
        ref float sum = ref Unsafe.Add(ref start, layout.SumAt);
        ref float limit = ref Unsafe.Add(ref start, layout.LimitAt);
        ref float rescale = ref Unsafe.Add(ref start, layout.RescaleAt);
        ref float scoreMax = ref Unsafe.Add(ref start, layout.ScoreMaxAt);
        ref float queryStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Query), (nint)batchItem * KernelLayout.QueryElements<TShape>());
        ref float outputStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Output), (nint)batchItem * KernelLayout.QueryElements<TShape>());
        ref byte keyTensor = ref KeyValueFormat.At<TShape>(ref MemoryMarshal.GetReference(call.Key), (nint)batchItem * KernelLayout.KeyElements<TShape>());
        ref byte valueTensor = ref KeyValueFormat.At<TShape>(ref MemoryMarshal.GetReference(call.Value), (nint)batchItem * KernelLayout.KeyElements<TShape>());

        int rows = Math.Min(panelLanes, rowsPerKvHead - firstRow);
        Span<int> rowOffsets = state.RowOffsets;
        for (int lane = 0; lane < rows; lane++)
            rowOffsets[lane] = KernelLayout.QueryOffset<TShape>(kvHead, firstRow + lane);
        ReadOnlySpan<int> panelRows = rowOffsets.Slice(0, rows);

        // A panel of at most one vector of rows computes scores and softmax for that vector only: by dot products
        // for a few rows (their rows stale past this call's are never written out), else by one-vector tiles.
        bool narrowDots = rows <= TPath.NarrowDotRows;
        bool narrowTiles = !narrowDots && TPath.NarrowTileRows > 0 && rows <= TOps.Width;
        int lanes = narrowDots || narrowTiles ? TOps.Width : panelLanes;

        // Pack the panel's queries (Qᵀ·ScoreScale; the dot-product panel keeps them row-major). A row-major accumulator
        // needs no reset: the first block's value tiles start it.
        if (narrowDots)
            PanelTranspose.PackScaledRows<TOps, TVector>(ref queryStart, panelRows, headDim, TShape.ScoreScale, ref queryPanel);
        else
            PanelTranspose.PackRows<TOps, TVector>(ref queryStart, panelRows, headDim, TShape.ScoreScale, ref queryPanel, panelLanes);
        if (TPath.Accumulator == AccumulatorLayout.Transposed)
            scratch.Slice(layout.AccumulatorAt, headDim * panelLanes).Clear();

        // The softmax state starts empty (max −∞, sum 0), or holding the row's sink (max its logit, sum 1) in the item
        // whose keys start at 0, so that a row split over key ranges counts it once.
        bool seeded = TShape.Sinks && firstKey == 0;
        if (!seeded)
        {
            scratch.Slice(layout.MaxAt, panelLanes).Fill(float.NegativeInfinity);
            scratch.Slice(layout.SumAt, panelLanes).Clear();
        }

        // Each lane's mask limits, position, ALiBi slope and sink; padding lanes repeat the panel's last row.
        if (TShape.Causal || TShape.Alibi || seeded)
        {
            for (int lane = 0; lane < panelLanes; lane++)
                LaneState<TShape>(ref start, layout, lane, firstRow + Math.Min(lane, rows - 1), kvHead, queryLength, kvLength, call.Sinks, seeded);
        }

        // The keys any row of the panel attends: those before its first row's window and past its last row's limit are
        // skipped, not masked.
        int firstLimit = KernelLayout.LastKey<TShape>(firstRow, queryLength, kvLength);
        int latestFirstKey = KernelLayout.FirstKey<TShape>(firstRow + rows - 1, queryLength, kvLength);
        int keyStart = Math.Max(firstKey, KernelLayout.FirstKey<TShape>(firstRow, queryLength, kvLength));
        int keyEnd = KernelLayout.KeyEnd<TShape>(firstRow + rows - 1, queryLength, kvLength);
        if (TPath.KeySplits > 1)
            keyEnd = Math.Min(firstKey + KernelLayout.SplitKeys<TShape>(TPath.KeyBlock, TPath.KeySplits), keyEnd);

        // TokenMajor K and V rows lie KvRowStride apart, on a few L1 sets, and 16-bit ones need converting: pack the
        // head's rows (as float32) once for its panels.
        bool packs = Packs<TShape, TPath>();
        int rowStride = packs ? headDim : KernelLayout.KvRowStride<TShape>();
        if (packs && state.PackedHead != batchItem * TShape.KvHeads + kvHead)
        {
            KeyValueFormat.ConvertRows<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref keyTensor, KernelLayout.KeyOffset<TShape>(kvHead, 0)),
                KernelLayout.KvRowStride<TShape>(), kvLength, headDim, ref Unsafe.Add(ref start, layout.KeysAt));
            KeyValueFormat.ConvertRows<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref valueTensor, KernelLayout.KeyOffset<TShape>(kvHead, 0)),
                KernelLayout.KvRowStride<TShape>(), kvLength, headDim, ref Unsafe.Add(ref start, layout.ValuesAt));
            state.PackedHead = batchItem * TShape.KvHeads + kvHead;
        }

        ref float negatedFirstKey = ref Unsafe.Add(ref start, layout.NegatedFirstKeyAt);
        for (int blockStart = keyStart; blockStart < keyEnd; blockStart += TPath.KeyBlock)
        {
            int count = Math.Min(TPath.KeyBlock, keyEnd - blockStart);
            bool firstBlock = blockStart == keyStart;
            var mask = new BlockMask(count, blockStart, latestFirstKey, firstLimit);
            ref float keyRows = ref packs
                ? ref Unsafe.Add(ref start, layout.KeysAt + blockStart * rowStride)
                : ref Unsafe.Add(ref Unsafe.As<byte, float>(ref keyTensor), KernelLayout.KeyOffset<TShape>(kvHead, blockStart));
            ref float valueRows = ref packs
                ? ref Unsafe.Add(ref start, layout.ValuesAt + blockStart * rowStride)
                : ref Unsafe.Add(ref Unsafe.As<byte, float>(ref valueTensor), KernelLayout.KeyOffset<TShape>(kvHead, blockStart));

            // 1. Scores. The tiles fold each lane's max as they store them: the softmax then needs no pass for it.
            scratch.Slice(layout.ScoreMaxAt, panelLanes).Fill(float.NegativeInfinity);
            if (narrowDots)
                TPath.ScoreDotsNarrow(ref keyRows, count, ref queryPanel, ref scores, ref scoreMax);
            else if (narrowTiles)
                ScoreBlock<TOps, TVector, TShape, TPath>(narrow: true, ref keyRows, rowStride, count, ref queryPanel, ref scores, ref scoreMax);
            else
                ScoreBlock<TOps, TVector, TShape, TPath>(narrow: false, ref keyRows, rowStride, count, ref queryPanel, ref scores, ref scoreMax);
            if (ScoreTransform.Applies<TShape>())
                ScoreTransform.Block<TOps, TVector, TShape>(ref scores, ref scoreMax, ref Unsafe.Add(ref start, layout.PositionAt),
                    ref Unsafe.Add(ref start, layout.NegatedSlopeAt), panelLanes, lanes, count, blockStart);

            // 2. Softmax: mask, update max and sum, P = 2^(S − max); a transposed accumulator is rescaled here, a
            // row-major one by the value tiles as they load it.
            OnlineSoftmax.UpdateBlock<TOps, TVector, TShape>(ref scores, ref max, ref sum, ref limit, ref negatedFirstKey, ref rescale,
                ref scoreMax, panelLanes, lanes, mask, blockStart, firstBlock && !seeded);
            if (TPath.Accumulator == AccumulatorLayout.Transposed && !firstBlock)
                OnlineSoftmax.RescaleColumns<TOps, TVector>(ref accumulator, ref rescale, panelLanes, headDim);

            // 3. Values.
            if (TPath.Accumulator == AccumulatorLayout.Transposed)
                TransposedValues<TOps, TVector, TShape, TPath>(ref valueRows, rowStride, ref scores, ref accumulator, ref limit,
                    ref negatedFirstKey, mask, blockStart);
            else
                RowMajorBlock<TOps, TVector, TShape, TPath>(ref scores, ref valueRows, rowStride, ref accumulator, ref rescale, ref sum,
                    ref limit, ref negatedFirstKey, ref outputStart, rowOffsets, rows, mask, blockStart, firstBlock,
                    lastBlock: TPath.KeySplits == 1 && blockStart + TPath.KeyBlock >= keyEnd);
        }

        if (TPath.KeySplits > 1)
        {
            // Leave this range's state (accumulator, max, sum) for Finish to merge with the other ranges.
            Span<float> itemState = call.Shared.Slice(
                batchItem * SharedFloats<TShape, TPath>() + local * ItemState<TShape, TPath>(), ItemState<TShape, TPath>());
            if (TPath.Accumulator == AccumulatorLayout.RowMajor && keyEnd <= keyStart)
                scratch.Slice(layout.AccumulatorAt, headDim * panelLanes).Clear(); // no block started it
            scratch.Slice(layout.AccumulatorAt, headDim * panelLanes).CopyTo(itemState);
            scratch.Slice(layout.MaxAt, 2 * panelLanes).CopyTo(itemState.Slice(headDim * panelLanes));
        }
        else if (TPath.Accumulator == AccumulatorLayout.RowMajor)
        {
            if (keyEnd <= keyStart) // a causal panel whose rows attend no key ran no block: its rows are zeros
            {
                for (int lane = 0; lane < rows; lane++)
                    call.Output.Slice(batchItem * KernelLayout.QueryElements<TShape>() + rowOffsets[lane], headDim).Clear();
            }
        }
        else
        {
            // Normalize and write the panel's rows (a row that attended no key gets zeros).
            OnlineSoftmax.FinishRows<TOps, TVector>(ref sum, panelLanes);
            PanelTranspose.WriteRows<TOps, TVector>(ref accumulator, panelLanes, ref sum, headDim, ref outputStart, panelRows);
        }
    }

    /// <summary>Step 1: score tiles over a block's keys, the last partial tile shifted back to end at the block's last
    /// key (it recomputes a few scores identically instead of reading past the keys); a block shorter than a tile goes
    /// key by key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreBlock<TOps, TVector, TShape, TPath>(bool narrow, ref float keys, int rowStride, int count,
        ref float queries, ref float scores, ref float scoreMax)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int tileRows = narrow ? TPath.NarrowTileRows : TPath.TileRows, lanes = TPath.PanelLanes;
        int j = 0;
        for (; j + tileRows <= count; j += tileRows)
            ScoreTile<TPath>(narrow, ref Unsafe.Add(ref keys, j * rowStride), ref queries, ref Unsafe.Add(ref scores, j * lanes), ref scoreMax);
        if (j == count)
            return;
        if (count >= tileRows)
        {
            ScoreTile<TPath>(narrow, ref Unsafe.Add(ref keys, (count - tileRows) * rowStride), ref queries,
                ref Unsafe.Add(ref scores, (count - tileRows) * lanes), ref scoreMax);
            return;
        }

        for (; j < count; j++)
        {
            ScoreKey<TOps, TVector>(ref Unsafe.Add(ref keys, j * rowStride), ref queries, ref Unsafe.Add(ref scores, j * lanes), ref scoreMax,
                narrow ? TOps.Width : lanes, lanes, TShape.HeadDim);
        }
    }

    /// <summary>Scores of one key against <paramref name="lanes"/> lanes of the panel, summed over the head dimension in
    /// order (as a tile sums them), folding each lane's max: for blocks shorter than a tile, so no tile is needed.</summary>
    private static void ScoreKey<TOps, TVector>(ref float key, ref float queries, ref float scores, ref float scoreMax, int lanes,
        int panelLanes, int headDim)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        for (int lane = 0; lane < lanes; lane += TOps.Width)
        {
            TVector score = TOps.Broadcast(0f);
            for (int d = 0; d < headDim; d++)
                score = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref key, d)), TOps.Load(ref queries, d * panelLanes + lane), score);
            TOps.Store(score, ref scores, lane);
            TOps.Store(TOps.Max(TOps.Load(ref scoreMax, lane), score), ref scoreMax, lane);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreTile<TPath>(bool narrow, ref float keys, ref float queries, ref float scores, ref float scoreMax)
        where TPath : struct, IPanelPath
    {
        if (narrow)
            TPath.ScoreTileNarrow(ref keys, ref queries, ref scores, ref scoreMax);
        else
            TPath.ScoreTile(ref keys, ref queries, ref scores, ref scoreMax);
    }

    /// <summary>Step 3, transposed accumulator: <c>Oᵀ += Vᵀ · P</c> over the keys every row attends, TileRows head
    /// dimensions at a time, then the others lane by lane (masked lanes stay bitwise untouched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposedValues<TOps, TVector, TShape, TPath>(ref float valueRows, int rowStride, ref float probabilities,
        ref float accumulator, ref float limit, ref float negatedFirstKey, BlockMask mask, int blockStart)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int headDim = TShape.HeadDim, tileDims = TPath.TileRows, lanes = TPath.PanelLanes;
        ref float values = ref Unsafe.Add(ref valueRows, mask.FullFrom * rowStride);
        ref float p = ref Unsafe.Add(ref probabilities, mask.FullFrom * lanes);
        int keys = mask.FullTo - mask.FullFrom;
        for (int d = 0; d + tileDims <= headDim; d += tileDims)
            TPath.TransposedValueTile(ref Unsafe.Add(ref values, d), ref p, ref Unsafe.Add(ref accumulator, d * lanes), keys);
        if (TPath.TransposedTailDims > 0)
        {
            int tail = headDim - TPath.TransposedTailDims;
            TPath.TransposedValueTail(ref Unsafe.Add(ref values, tail), ref p, ref Unsafe.Add(ref accumulator, tail * lanes), keys);
        }

        if (!TShape.Causal)
            return;
        if (mask.FullFrom > 0)
            OnlineSoftmax.AccumulateMaskedKeys<TOps, TVector, TShape>(ref valueRows, rowStride, ref probabilities, ref accumulator,
                ref limit, ref negatedFirstKey, lanes, headDim, mask.FullFrom, blockStart);
        if (mask.FullTo < mask.Keys)
            OnlineSoftmax.AccumulateMaskedKeys<TOps, TVector, TShape>(ref Unsafe.Add(ref valueRows, mask.FullTo * rowStride), rowStride,
                ref Unsafe.Add(ref probabilities, mask.FullTo * lanes), ref accumulator, ref limit, ref negatedFirstKey, lanes, headDim,
                mask.Keys - mask.FullTo, blockStart + mask.FullTo);
    }

    /// <summary>Step 3, row-major accumulator, for one block. The masked keys go through the value tiles too when their
    /// value rows are finite: a masked key's probability is exactly 0 and 0 · v adds a zero. A non-finite row sends them
    /// lane by lane instead. Without split-KV, the last block's value tiles write the panel's rows out, normalized (sums
    /// become 1/sum first), unless masked keys still have to be added lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowMajorBlock<TOps, TVector, TShape, TPath>(ref float scores, ref float valueRows, int rowStride,
        ref float accumulator, ref float rescale, ref float sum, ref float limit, ref float negatedFirstKey, ref float output,
        Span<int> rowOffsets, int rows, BlockMask mask, int blockStart, bool firstBlock, bool lastBlock)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int lanes = TPath.PanelLanes, headDim = TShape.HeadDim;
        bool tilesTakeAll = !TShape.Causal || mask.IsFull
            || (OnlineSoftmax.AreFinite<TOps, TVector>(ref valueRows, rowStride, mask.FullFrom, headDim)
                && OnlineSoftmax.AreFinite<TOps, TVector>(ref Unsafe.Add(ref valueRows, mask.FullTo * rowStride), rowStride,
                    mask.Keys - mask.FullTo, headDim));
        int from = tilesTakeAll ? 0 : mask.FullFrom, to = tilesTakeAll ? mask.Keys : mask.FullTo;
        if (lastBlock)
            OnlineSoftmax.FinishRows<TOps, TVector>(ref sum, lanes);
        RowMajorValues<TOps, TVector, TShape, TPath>(ref Unsafe.Add(ref scores, from * lanes), ref Unsafe.Add(ref valueRows, from * rowStride),
            ref accumulator, ref rescale, ref sum, ref limit, ref output, rowOffsets, rows, to - from, blockStart + from, firstBlock,
            lastBlock && tilesTakeAll);
        if (tilesTakeAll)
            return;

        if (mask.FullFrom > 0)
            OnlineSoftmax.AccumulateMaskedKeysByRow<TOps, TVector, TShape>(ref valueRows, rowStride, ref scores, ref accumulator, ref limit,
                ref negatedFirstKey, lanes, rows, headDim, mask.FullFrom, blockStart);
        if (mask.FullTo < mask.Keys)
            OnlineSoftmax.AccumulateMaskedKeysByRow<TOps, TVector, TShape>(ref Unsafe.Add(ref valueRows, mask.FullTo * rowStride), rowStride,
                ref Unsafe.Add(ref scores, mask.FullTo * lanes), ref accumulator, ref limit, ref negatedFirstKey, lanes, rows, headDim,
                mask.Keys - mask.FullTo, blockStart + mask.FullTo);
        if (lastBlock)
            PanelTranspose.WriteScaledRows<TOps, TVector>(ref accumulator, ref sum, headDim, ref output, rowOffsets.Slice(0, rows));
    }

    /// <summary>One lane's per-row facts: last allowed key (causal), first allowed key negated (window), position and
    /// negated slope (ALiBi), and the sink's logit and weight as its softmax state.</summary>
    private static void LaneState<TShape>(ref float start, PanelScratch layout, int lane, int row, int kvHead, int queryLength,
        int kvLength, ReadOnlySpan<float> sinks, bool seeded)
        where TShape : struct, IKernelShape
    {
        int head = KernelLayout.Head<TShape>(kvHead, row);
        if (TShape.Causal)
            Unsafe.Add(ref start, layout.LimitAt + lane) = KernelLayout.LastKey<TShape>(row, queryLength, kvLength);
        if (TShape.Windowed)
            Unsafe.Add(ref start, layout.NegatedFirstKeyAt + lane) = -KernelLayout.FirstKey<TShape>(row, queryLength, kvLength);
        if (TShape.Alibi)
        {
            Unsafe.Add(ref start, layout.PositionAt + lane) = KernelLayout.Position<TShape>(row, queryLength, kvLength);
            Unsafe.Add(ref start, layout.NegatedSlopeAt + lane) = ScoreTransform.NegatedSlope<TShape>(head);
        }

        if (seeded)
        {
            Unsafe.Add(ref start, layout.MaxAt + lane) = ScoreTransform.SinkLog2(sinks[head]);
            Unsafe.Add(ref start, layout.SumAt + lane) = 1;
        }
    }

    /// <summary>Step 3, row-major accumulator: tiles of ValueRows query rows × ValueDims head dimensions over the panel's
    /// rows (a partial panel skips its padding lanes), then the tail tile. While <paramref name="tilesWrite"/>, the
    /// tiles write their rows to the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowMajorValues<TOps, TVector, TShape, TPath>(ref float probabilities, ref float valueRows, ref float accumulator,
        ref float rescale, ref float factors, ref float limit, ref float output, Span<int> rowOffsets, int rows, int keys,
        int blockStart, bool firstBlock, bool tilesWrite)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int firstLane = 0, tileRows = TPath.ValueRows, tailRows = TPath.ValueTailRows;
        // Whole tiles while more rows than the tail's remain, or when a tile shorter than the tail covers the rest.
        for (; firstLane < rows && firstLane + tileRows <= TPath.PanelLanes
            && (rows - firstLane > tailRows || (tileRows < tailRows && rows - firstLane <= tileRows)); firstLane += tileRows)
        {
            ValueTiles<TOps, TVector, TShape, TPath>(tail: false, ref probabilities, ref valueRows, ref accumulator, ref rescale,
                ref factors, ref limit, ref output, rowOffsets, rows, firstLane, keys, blockStart, firstBlock, tilesWrite);
        }

        if (tailRows > 0 && firstLane < rows)
        {
            ValueTiles<TOps, TVector, TShape, TPath>(tail: true, ref probabilities, ref valueRows, ref accumulator, ref rescale,
                ref factors, ref limit, ref output, rowOffsets, rows, firstLane, keys, blockStart, firstBlock, tilesWrite);
        }
    }

    /// <summary>One tile's passes over the head dimension, from <paramref name="firstLane"/>. A causal tile stops after
    /// the last key its last row attends: the keys after it are masked for all the tile's rows. A tile reaching past
    /// the panel's rows keeps its rows in the accumulator, and they are written from there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValueTiles<TOps, TVector, TShape, TPath>(bool tail, ref float probabilities, ref float valueRows,
        ref float accumulator, ref float rescale, ref float factors, ref float limit, ref float output, Span<int> rowOffsets,
        int rows, int firstLane, int keys, int blockStart, bool firstBlock, bool tilesWrite)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        int headDim = TShape.HeadDim;
        int tileRows = tail ? TPath.ValueTailRows : TPath.ValueRows, tileDims = tail ? TPath.ValueTailDims : TPath.ValueDims;
        if (TShape.Causal)
            keys = Math.Clamp((int)Unsafe.Add(ref limit, Math.Min(firstLane + tileRows, rows) - 1) + 1 - blockStart, 0, keys);

        bool writeOutput = tilesWrite && firstLane + tileRows <= rows;
        ref float p = ref Unsafe.Add(ref probabilities, firstLane);
        ref float o = ref Unsafe.Add(ref accumulator, firstLane * headDim);
        ref float r = ref Unsafe.Add(ref rescale, firstLane);
        ref int outputRows = ref rowOffsets[firstLane];
        ref float f = ref Unsafe.Add(ref factors, firstLane);
        for (int d = 0; d < headDim; d += tileDims)
        {
            if (tail)
                TPath.ValueTail(ref p, ref Unsafe.Add(ref valueRows, d), ref Unsafe.Add(ref o, d), keys, firstBlock, ref r, writeOutput,
                    ref Unsafe.Add(ref output, d), ref outputRows, ref f);
            else
                TPath.ValueTile(ref p, ref Unsafe.Add(ref valueRows, d), ref Unsafe.Add(ref o, d), keys, firstBlock, ref r, writeOutput,
                    ref Unsafe.Add(ref output, d), ref outputRows, ref f);
        }

        if (tilesWrite && !writeOutput)
            PanelTranspose.WriteScaledRows<TOps, TVector>(ref o, ref f, headDim, ref output, rowOffsets.Slice(firstLane, rows - firstLane));
    }

    /// <summary>Merges each row's key ranges (split-KV, after every item has run) and writes the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Finish<TShape, TPath>(scoped in AttentionCall call)
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath
    {
        if (TPath.KeySplits == 1)
            return;
        int headDim = TShape.HeadDim, panelLanes = TPath.PanelLanes, itemState = ItemState<TShape, TPath>();
        bool rowMajor = TPath.Accumulator == AccumulatorLayout.RowMajor;
        for (int batchItem = 0; batchItem < call.BatchSize; batchItem++)
        {
            int rowsPerKvHead = call.QueryLengths[batchItem] * KernelLayout.GroupSize<TShape>();
            ref float states = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Shared), batchItem * SharedFloats<TShape, TPath>());
            ref float output = ref Unsafe.Add(ref MemoryMarshal.GetReference(call.Output), (nint)batchItem * KernelLayout.QueryElements<TShape>());
            int panels = Panels<TShape, TPath>(call.QueryLengths[batchItem]);
            for (int panelItem = 0; panelItem < TShape.KvHeads * panels; panelItem++)
            {
                int kvHead = panelItem / panels;
                int firstRow = panelItem % panels * panelLanes;
                ref float first = ref Unsafe.Add(ref states, panelItem * TPath.KeySplits * itemState);
                for (int lane = 0; lane < Math.Min(panelLanes, rowsPerKvHead - firstRow); lane++)
                {
                    RowAttention.MergeSplits(ref Unsafe.Add(ref first, headDim * panelLanes + lane),
                        ref Unsafe.Add(ref first, headDim * panelLanes + panelLanes + lane),
                        ref Unsafe.Add(ref first, rowMajor ? lane * headDim : lane), TPath.KeySplits, itemState, headDim,
                        rowMajor ? 1 : panelLanes, ref Unsafe.Add(ref output, KernelLayout.QueryOffset<TShape>(kvHead, firstRow + lane)));
                }
            }
        }
    }
}
