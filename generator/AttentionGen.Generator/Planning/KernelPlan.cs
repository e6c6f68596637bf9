using AttentionGen.Generator.Model;

namespace AttentionGen.Generator.Planning;

/// <summary>
/// How one instruction set computes the kernel. Query rows of one key/value head (all heads of a GQA group,
/// interleaved) are cut into panels that live in vector lanes; keys stream through in blocks.
/// </summary>
/// <param name="Profile">The instruction set.</param>
/// <param name="Strategy">How rows map to lanes: query rows in lanes (panels), or the head dimension in lanes
/// for a few rows against many keys (decoding).</param>
/// <param name="PanelVectors">Vectors per panel.</param>
/// <param name="PanelLanes">Query rows per panel (a multiple of the vector width).</param>
/// <param name="Panels">Panels per key/value head.</param>
/// <param name="TileRows">Keys per score tile, head dimensions per value tile.</param>
/// <param name="ValueTailRows">Transposed accumulator: head dimensions left after whole value tiles (0 when none).</param>
/// <param name="ValueRows">Row-major accumulator (when the head dimension is a multiple of the width): query rows
/// per value tile; 0 for the transposed accumulator.</param>
/// <param name="ValueVectors">Row-major accumulator: head-dimension vectors per value tile.</param>
/// <param name="KeyBlock">Keys per softmax block.</param>
/// <param name="NarrowTileRows">Keys per one-vector score tile of a narrow last panel (one vector of lanes, for a
/// remainder of rows that fits one vector), or 0 when there is no such panel or it scores by dot products.</param>
/// <param name="NarrowDotRows">Rows of a narrow last panel few enough (at most 8 and half a vector) that their scores
/// are dot products with the head dimension in lanes instead of score tiles, or 0.</param>
/// <param name="KeySplits">One query row: ranges of keys each work item's keys are split into, so a decode step with
/// few key/value heads still spreads over cores (merged by their softmax statistics).</param>
/// <param name="PackKeyValues">Whether a worker packs each key/value head's K and V rows (strided in TokenMajor)
/// into its scratch before the head's panels read them.</param>
/// <param name="ValueLaneTail">Row-major accumulator: query rows of the tail tile after whole value tiles (0 when
/// none).</param>
/// <param name="ValueTailVectors">Row-major accumulator: head-dimension vectors per pass of the tail tile.</param>
/// <param name="KeyBlocks">Blocks for KvLen keys; 1 means a one-pass softmax.</param>
/// <param name="ScratchFloats">Scratch per call, in floats.</param>
/// <param name="ScratchOnStack">Whether the scratch is stack-allocated (else rented from the array pool).</param>
internal sealed record PathPlan(
    IsaProfile Profile, KernelStrategy Strategy, int PanelVectors, int PanelLanes, int Panels, int TileRows, int ValueTailRows,
    int ValueRows, int ValueVectors, int KeyBlock, int KeyBlocks, int ScratchFloats, bool ScratchOnStack,
    int KeySplits = 1, int NarrowTileRows = 0, bool PackKeyValues = false, int ValueLaneTail = 0, int ValueTailVectors = 0,
    int NarrowDotRows = 0)
{
    /// <summary>Key blocks per split range of keys.</summary>
    public int BlocksPerSplit => (KeyBlocks + KeySplits - 1) / KeySplits;

    /// <summary>Whether the output accumulator is row-major (<c>[lane][HeadDim]</c>, written out without a transpose)
    /// rather than transposed (<c>[HeadDim][lane]</c>).</summary>
    public bool RowMajorAccumulator => ValueRows > 0;

    /// <summary>Whether the last panel of each key/value head computes one vector of lanes only (by score tiles or by
    /// dot products).</summary>
    public bool NarrowPanel => NarrowTileRows > 0 || NarrowDotRows > 0;

    /// <summary>Whether the last key block's value tiles write the output themselves, straight from their registers:
    /// with a row-major accumulator and one key range per item (split ranges are merged by <c>Finish</c> instead).</summary>
    public bool ValueTilesWriteOutput => RowMajorAccumulator && KeySplits == 1;

    /// <summary>The path's nested class (never equal to a kernel's implementation class, which ends in Kernel).</summary>
    public string Name => Profile.Path + "Path";

    public int WorkItems(int kvHeads) => kvHeads * Panels * KeySplits;
}

/// <summary>How a path maps the work onto vector lanes.</summary>
internal enum KernelStrategy
{
    /// <summary>Query rows in lanes, register-tiled score and value products (prefill, encoders).</summary>
    Panels,

    /// <summary>Head dimension in lanes, each row streams its keys once (decoding: few rows, many keys).</summary>
    Rows,
}

/// <summary>Everything the emitter renders: the spec, the kernel's facts, and one path plan per instruction set.</summary>
internal sealed record KernelPlan(
    KernelSpec Spec, EquatableArray<PathPlan> Paths, bool SkipLocalsInit, long FlopsPerCall, long ExpPerCall)
{
    public KernelShape Shape => Spec.Shape;

    /// <summary>Query rows per key/value head: the rows of one GQA group, interleaved as row = i·G + head.</summary>
    public int RowsPerKvHead => Shape.SeqLen * Shape.GroupSize;

    /// <summary>Elements between consecutive key (and value) rows of one head.</summary>
    public int KvRowStride => Shape.Layout == TensorLayout.HeadMajor ? Shape.HeadDim : Shape.KvHeads * Shape.HeadDim;
}

/// <summary>What the consumer's compilation offers the generated code.</summary>
/// <param name="AvailablePaths">Instruction sets whose types the target framework has.</param>
/// <param name="AllowUnsafe">Whether <c>[SkipLocalsInit]</c> may be used (it needs unsafe code enabled).</param>
internal sealed record TargetInfo(EquatableArray<string> AvailablePaths, bool AllowUnsafe);
