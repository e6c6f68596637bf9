using System;
using System.Linq;
using AttentionGen.Generator.Model;

namespace AttentionGen.Generator.Planning;

/// <summary>Chooses, for one shape and each instruction set, the panel, tile and block sizes and the scratch.</summary>
internal static class KernelPlanner
{
    /// <summary>Largest scratch a call puts on the stack (128 KiB); larger scratch is rented from the array pool.</summary>
    public const int StackScratchCapFloats = 32 * 1024;

    /// <summary>Scores of one panel and key block (16 KiB): with the panel's Qᵀ and accumulator they stay near L1
    /// while the three steps of a block run over them.</summary>
    public const int ScoreBlockFloats = 4 * 1024;

    /// <summary>Values of one key block (32 KiB): the value tiles sweep them once per group of query rows, so they
    /// should stay in L1 (D = 128 keeps 64-key blocks).</summary>
    public const int ValueBlockFloats = 8 * 1024;

    /// <summary>Most floats of packed K and V (256 KiB) a TokenMajor kernel keeps per worker: one head's rows, read
    /// by each of its panels, should stay in L2.</summary>
    public const int PackedKeyValueCapFloats = 64 * 1024;

    public static KernelPlan Plan(KernelSpec spec, TargetInfo target)
    {
        KernelShape shape = spec.Shape;
        var paths = IsaProfile.All
            .Where(profile => profile.RequiredType is null || target.AvailablePaths.Contains(profile.Path))
            .Select(profile => PlanPath(shape, profile))
            .ToEquatableArray();
        long pairs = AllowedPairs(shape);
        return new KernelPlan(spec, paths, 4L * shape.HeadDim * shape.Heads * pairs, (long)shape.Heads * pairs);
    }

    /// <summary>Keys per block for the row strategy: 1 KiB of scores, and a block of K and V rows small enough to
    /// stay in L2 while every row of a GQA group reads it.</summary>
    public const int RowKeyBlock = 256;

    /// <summary>Keys per block where each key/value head has one row and enough heads to keep every core busy: no
    /// other row reads the block again, so longer blocks let K, then V, stream from memory in long runs (8 KiB of
    /// scores).</summary>
    public const int SingleRowKeyBlock = 2048;

    /// <summary>Work items a one-row (decode) kernel should offer at least, splitting its keys if its key/value
    /// heads are fewer.</summary>
    public const int MinRowWorkItems = 8;

    private static PathPlan PlanPath(KernelShape shape, IsaProfile profile)
    {
        int rows = shape.SeqLen * shape.GroupSize;
        // Fewer rows than half a vector would leave most lanes of a panel idle: put the head dimension in the
        // lanes instead and let each row stream the keys.
        if (2L * rows < profile.Width)
        {
            int block = Math.Min(shape.KvLen, rows == 1 && shape.KvHeads >= MinRowWorkItems ? SingleRowKeyBlock : RowKeyBlock);
            int blocks = CeilDiv(shape.KvLen, block);
            // Scores of up to four rows (a GQA group's rows go four at a time), and the rows' states.
            int floats = (int)Math.Min(int.MaxValue, Math.Min(4, shape.GroupSize) * (long)block + (long)rows * (shape.HeadDim + 2));
            return new RowPathPlan(profile, new KeyBlocking(block, blocks, KeySplits(shape, shape.KvHeads, blocks)),
                new ScratchPlan(floats, floats <= StackScratchCapFloats));
        }

        (int vectors, int lanes, int tileRows, int keyBlock, int scratch) = PanelTiling(shape, profile);
        ValuePlan values = PlanValues(shape, profile, lanes, tileRows);
        int panels = CeilDiv(rows, lanes), keyBlocks = CeilDiv(shape.KvLen, keyBlock);
        int splits = KeySplits(shape, shape.KvHeads * panels, keyBlocks);
        if (values is RowMajorValues rowMajor)
            values = rowMajor with { TilesWriteOutput = splits == 1 };

        // TokenMajor rows of one key/value head lie KvHeads·HeadDim apart, a stride that maps them onto a few L1
        // sets. When several panels read them, a worker packs the head's K and V once.
        // 16-bit keys and values are converted to float32 as they are packed, always.
        bool pack = shape.Layout == TensorLayout.TokenMajor && shape.KvHeads > 1 && panels > 1 && splits == 1
            && 2L * shape.KvLen * shape.HeadDim <= PackedKeyValueCapFloats;
        KeyValueSource source = shape.KvType != KeyValueType.Float32 ? KeyValueSource.Converted
            : pack ? KeyValueSource.Packed : KeyValueSource.InPlace;
        if (source != KeyValueSource.InPlace)
            scratch = (int)Math.Min(int.MaxValue, scratch + 2L * shape.KvLen * shape.HeadDim);
        bool narrow = vectors > 1 && values is RowMajorValues;
        var panelRows = new PanelRows(vectors, lanes, panels, narrow ? new NarrowTiles(2 * tileRows) : null,
            narrow ? NarrowDotRows(profile, rows % lanes) : null);
        return new PanelPathPlan(profile, panelRows, tileRows, values, new KeyBlocking(keyBlock, keyBlocks, splits),
            source, new ScratchPlan(scratch, scratch <= StackScratchCapFloats));
    }

    /// <summary>The panel width (small row counts get narrower panels rather than lanes of padding; a scratch over the
    /// stack cap gets narrower panels too), the score tile height and the key block.</summary>
    private static (int Vectors, int Lanes, int TileRows, int KeyBlock, int Scratch) PanelTiling(KernelShape shape, IsaProfile profile)
    {
        int vectors = Math.Min(profile.PanelVectors, CeilDiv(shape.SeqLen * shape.GroupSize, profile.Width));
        while (true)
        {
            int lanes = vectors * profile.Width;
            int maxBlock = Math.Max(profile.TileRows, Math.Min(ScoreBlockFloats / lanes, ValueBlockFloats / shape.HeadDim));
            (int tileRows, int keyBlock) = ScoreTiling(shape.KvLen, maxBlock, profile);
            int scratch = ScratchFloats(lanes, shape.HeadDim, keyBlock);
            if (scratch <= StackScratchCapFloats || vectors == 1)
                return (vectors, lanes, tileRows, keyBlock, scratch);
            vectors--;
        }
    }

    /// <summary>A head dimension of whole vectors lets the accumulator be row-major: value tiles broadcast P and load V
    /// rows, and the output is written without a transpose. Otherwise (or when the tile could only be one vector wide,
    /// a broadcast per FMA) it stays transposed, as the scores are.</summary>
    private static ValuePlan PlanValues(KernelShape shape, IsaProfile profile, int lanes, int tileRows)
    {
        if (shape.HeadDim % profile.Width == 0)
        {
            int dimVectors = shape.HeadDim / profile.Width;
            int widest = Enumerable.Range(1, Math.Min(profile.ValueVectors, dimVectors)).Last(v => dimVectors % v == 0);
            if (widest > 1 || dimVectors == 1)
            {
                int valueRows = Math.Min(lanes, profile.ValueAccumulators / widest);
                return new RowMajorValues(new ValueTile(valueRows, widest), ValueTail(profile, lanes, dimVectors, valueRows, widest),
                    TilesWriteOutput: true);
            }
        }

        int tail = shape.HeadDim % tileRows;
        return new TransposedValues(tileRows, tail > 0 ? tail : null);
    }

    /// <summary>A last panel whose rows fit one vector computes scores and softmax for that vector only, with taller
    /// one-vector score tiles (ViT's 197 rows: 6 × 32 + 5; 77 rows: 2 × 32 + 13; any call at fewer rows). At most half
    /// a vector (and at most 8, SumEach's lanes) of the compiled length's rows score by dot products with the head
    /// dimension in lanes instead: rows × D/width multiply-adds a key instead of D.</summary>
    private static NarrowDots? NarrowDotRows(IsaProfile profile, int remainder) =>
        remainder > 0 && 2 * remainder <= profile.Width && remainder <= 8 ? new NarrowDots(remainder) : null;

    /// <summary>Fewest accumulators a value tail tile should have: fewer independent FMA chains than the FMA
    /// latency times the FMA ports leave the units idle.</summary>
    public const int MinTailAccumulators = 12;

    /// <summary>
    /// The row-major value tiles' tail: the lanes left after whole tiles, and its vectors per pass. A tail too thin to
    /// hide the FMA latency (AVX-512, 32 lanes, 6-row tiles: 2 rows × 4 vectors, 8 chains) takes one whole tile's rows
    /// as well and fewer vectors per pass: 4 × 6 rows + 8 rows × 2 vectors, 16 chains.
    /// </summary>
    private static ValueTile? ValueTail(IsaProfile profile, int lanes, int dimVectors, int valueRows, int valueVectors)
    {
        int rows = lanes % valueRows;
        if (rows == 0)
            return null;
        if (rows * valueVectors >= MinTailAccumulators || lanes < rows + valueRows)
            return new ValueTile(rows, valueVectors);
        int merged = rows + valueRows;
        int vectors = Enumerable.Range(1, valueVectors).Where(v => dimVectors % v == 0 && merged * v <= profile.ValueAccumulators)
            .DefaultIfEmpty(0).Max();
        return vectors >= 2 ? new ValueTile(merged, vectors) : new ValueTile(rows, valueVectors);
    }

    /// <summary>
    /// One query row with fewer than <see cref="MinRowWorkItems"/> items: split each item's keys into ranges of
    /// whole blocks, so ForwardParallel has work for every core (the contract's split-KV), merged at the end by
    /// their softmax statistics. Forward runs the same ranges, so both give the same bits.
    /// </summary>
    private static int KeySplits(KernelShape shape, int items, int keyBlocks)
    {
        if (shape.SeqLen != 1 || items >= MinRowWorkItems)
            return 1;
        int splits = Math.Min(keyBlocks, CeilDiv(MinRowWorkItems, items));
        return CeilDiv(keyBlocks, CeilDiv(keyBlocks, splits)); // no empty range at the full key length
    }

    /// <summary>Keys per block: as few blocks as <paramref name="maxBlock"/> allows, of balanced sizes, so that no
    /// block is a sliver (257 keys in blocks of at most 128 are 86 + 86 + 85, not 128 + 128 + 1). Several blocks
    /// round up to whole score tiles of <paramref name="tileRows"/> keys when that stays within
    /// <paramref name="maxBlock"/> and leaves the last block at least half full: then only the last block ends in a
    /// shifted tile that recomputes scores (257 keys: 90 + 90 + 77).</summary>
    public static int KeyBlock(int keys, int maxBlock, int tileRows)
    {
        int blocks = CeilDiv(keys, maxBlock);
        int balanced = CeilDiv(keys, blocks);
        int whole = CeilDiv(balanced, tileRows) * tileRows;
        return blocks > 1 && whole <= maxBlock && keys - (long)(blocks - 1) * whole >= whole / 2 ? whole : balanced;
    }

    /// <summary>The score tile height, from the profile's up to its most, whose key blocks recompute the fewest
    /// scores in shifted last tiles (ties keep the profile's), and the key block for it.</summary>
    private static (int TileRows, int KeyBlock) ScoreTiling(int keys, int maxBlock, IsaProfile profile)
    {
        (int TileRows, int KeyBlock, long Recomputed) best = (0, 0, long.MaxValue);
        for (int rows = profile.TileRows; rows <= profile.MaxTileRows; rows++)
        {
            int block = KeyBlock(keys, maxBlock, rows);
            long recomputed = (long)(keys / block) * Recomputed(block, rows) + Recomputed(keys % block, rows);
            if (recomputed < best.Recomputed)
                best = (rows, block, recomputed);
        }

        return (best.TileRows, best.KeyBlock);

        // Scores a block of `count` keys recomputes: its shifted last tile's overlap (blocks under one tile go key by key).
        static long Recomputed(int count, int rows) => count < rows ? 0 : (long)CeilDiv(count, rows) * rows - count;
    }

    /// <summary>Qᵀ and the accumulator (<c>HeadDim × lanes</c> each), the score block, and eight per-lane rows
    /// (running max, running sum, causal limit, rescale factor, the block's score max, window start, position, ALiBi
    /// slope).</summary>
    public static int ScratchFloats(int lanes, int headDim, int keyBlock) =>
        (int)Math.Min(int.MaxValue, (long)lanes * (2L * headDim + keyBlock + 8));

    /// <summary>(query, key) pairs the mask allows at the full key length.</summary>
    public static long AllowedPairs(KernelShape shape)
    {
        if (!shape.Causal)
            return (long)shape.SeqLen * shape.KvLen;
        long pairs = 0;
        for (int i = 0; i < shape.SeqLen; i++)
            pairs += Math.Min(shape.KvLen, Math.Max(0, i + shape.KvLen - shape.SeqLen + 1));
        return pairs;
    }

    private static int CeilDiv(int value, int divisor) => (int)(((long)value + divisor - 1) / divisor);
}
