using AttentionGen.Generator.Model;

namespace AttentionGen.Generator.Planning;

/// <summary>Everything the emitter renders: the spec, the kernel's facts, and one path plan per instruction set.</summary>
internal sealed record KernelPlan(
    KernelSpec Spec, EquatableArray<PathPlan> Paths, long FlopsPerCall, long ExpPerCall)
{
    public KernelShape Shape => Spec.Shape;

    /// <summary>Query rows per key/value head: the rows of one GQA group, interleaved as row = i·G + head.</summary>
    public int RowsPerKvHead => Shape.SeqLen * Shape.GroupSize;
}

/// <summary>How one instruction set computes the kernel: the panel strategy or the row strategy.</summary>
internal abstract record PathPlan(IsaProfile Profile, KeyBlocking Keys, ScratchPlan Scratch)
{
    /// <summary>The path's nested type (never equal to a kernel's implementation class, which ends in Kernel).</summary>
    public string Name => Profile.Path + "Path";

    public abstract int WorkItems(int kvHeads);
}

/// <summary>
/// Query rows in lanes: the rows of one key/value head are cut into panels held in vector lanes, and register tiles
/// compute scores and values (prefill, encoders).
/// </summary>
internal sealed record PanelPathPlan(
    IsaProfile Profile, PanelRows Rows, int ScoreTileRows, ValuePlan Values, KeyBlocking Keys, KeyValueSource Source,
    ScratchPlan Scratch) : PathPlan(Profile, Keys, Scratch)
{
    public override int WorkItems(int kvHeads) => kvHeads * Rows.Panels * Keys.Splits;
}

/// <summary>Head dimension in lanes: each row streams its keys once (decoding: few rows, many keys).</summary>
internal sealed record RowPathPlan(IsaProfile Profile, KeyBlocking Keys, ScratchPlan Scratch) : PathPlan(Profile, Keys, Scratch)
{
    public override int WorkItems(int kvHeads) => kvHeads * Keys.Splits;
}

/// <summary>How query rows map to lanes.</summary>
/// <param name="Vectors">Vectors per panel.</param>
/// <param name="Lanes">Query rows per panel.</param>
/// <param name="Panels">Panels per key/value head at the compiled length.</param>
/// <param name="Narrow">How a last panel whose rows fit one vector (any call's, as query lengths vary at run time) scores
/// that vector only, or null when it uses the whole panel's tiles.</param>
/// <param name="Dots">The compiled length's last panel, when its rows are few enough to score by dot products, or null.</param>
internal sealed record PanelRows(int Vectors, int Lanes, int Panels, NarrowTiles? Narrow, NarrowDots? Dots);

/// <summary>One-vector score tiles of <paramref name="TileRows"/> keys.</summary>
internal sealed record NarrowTiles(int TileRows);

/// <summary>At most half a vector (and 8) of rows: scores by dot products with the head dimension in lanes.</summary>
internal sealed record NarrowDots(int Rows);

/// <summary>How the value products accumulate.</summary>
internal abstract record ValuePlan;

/// <summary>A row-major accumulator <c>O[lane][HeadDim]</c> (the head dimension is whole vectors): tiles of query rows ×
/// head-dimension vectors, and a tail tile for the rows after whole tiles.</summary>
/// <param name="TilesWriteOutput">The last key block's tiles write the output straight from their registers.</param>
internal sealed record RowMajorValues(ValueTile Tile, ValueTile? Tail, bool TilesWriteOutput) : ValuePlan;

/// <summary>Rows × vectors of head dimensions of one value tile.</summary>
internal sealed record ValueTile(int Rows, int Vectors)
{
    public int Accumulators => Rows * Vectors;
}

/// <summary>A transposed accumulator <c>Oᵀ[HeadDim][lane]</c>: tiles of <paramref name="TileDims"/> head dimensions ×
/// the panel's lanes, and a tail tile for the dimensions left, or null.</summary>
internal sealed record TransposedValues(int TileDims, int? TailDims) : ValuePlan;

/// <summary>Key blocking: keys per softmax block, blocks at the compiled length, and the ranges (split-KV) each work
/// item's keys are split into.</summary>
internal sealed record KeyBlocking(int Block, int Blocks, int Splits)
{
    public int BlocksPerSplit => (Blocks + Splits - 1) / Splits;
}

/// <summary>Where the tiles read K and V rows.</summary>
internal enum KeyValueSource
{
    /// <summary>In the caller's spans.</summary>
    InPlace,

    /// <summary>Packed per key/value head into the worker's scratch (TokenMajor rows lie far apart).</summary>
    Packed,

    /// <summary>16-bit rows converted to float32 per key/value head into the worker's scratch.</summary>
    Converted,
}

/// <summary>A worker's scratch: its size, and whether it fits the stack (else it is rented from the array pool).</summary>
internal sealed record ScratchPlan(int Floats, bool OnStack);

/// <summary>What the consumer's compilation offers the generated code.</summary>
/// <param name="AvailablePaths">Instruction sets whose types the target framework has.</param>
internal sealed record TargetInfo(EquatableArray<string> AvailablePaths);
