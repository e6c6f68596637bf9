using System;
using System.ComponentModel;

namespace AttentionGen.Kernels;

/// <summary>How a panel path holds the output accumulator of a panel.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum AccumulatorLayout
{
    /// <summary><c>O[lane][HeadDim]</c>: value tiles broadcast probabilities and load V rows; rows leave without a
    /// transpose (the head dimension is a multiple of the vector width).</summary>
    RowMajor,

    /// <summary><c>Oᵀ[HeadDim][lane]</c>, as the scores are: value tiles of head dimensions × the panel's lanes.</summary>
    Transposed,
}

/// <summary>
/// One instruction set's plan for the panel strategy, as JIT-time constants, and its register-tiled micro-kernels:
/// everything that must be unrolled for the shape. A generated struct implements it; <see cref="PanelDriver"/> runs
/// it. Query rows of one key/value head are cut into panels of <see cref="PanelLanes"/> rows held in vector lanes;
/// keys stream through in blocks of <see cref="KeyBlock"/>. Members a plan does not use keep their defaults.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPanelPath
{
    /// <summary>Query rows per panel, a multiple of the vector width.</summary>
    static abstract int PanelLanes { get; }

    /// <summary>Elements between K (and V) rows as the tiles read them: in place, or packed per head.</summary>
    static abstract int RowStride { get; }

    /// <summary>Keys per score tile.</summary>
    static abstract int TileRows { get; }

    /// <summary>Keys per softmax block.</summary>
    static abstract int KeyBlock { get; }

    /// <summary>Ranges of whole key blocks each panel's keys are split into (split-KV, merged by their softmax
    /// statistics at the end); 1 for none.</summary>
    static virtual int KeySplits => 1;

    /// <summary>Whether a worker packs each key/value head's K and V rows into its scratch before the head's panels
    /// read them (TokenMajor rows lie far apart).</summary>
    static virtual bool PackKeyValues => false;

    /// <summary>Whether the scratch fits the stack (else it is rented from the array pool).</summary>
    static abstract bool ScratchOnStack { get; }

    /// <summary>The accumulator's layout.</summary>
    static abstract AccumulatorLayout Accumulator { get; }

    /// <summary>Keys per one-vector score tile (<see cref="ScoreTileNarrow"/>), with which a panel of at most one vector
    /// of rows scores that vector only; 0 when the path has none (such a panel then uses the whole panel's tiles).</summary>
    static virtual int NarrowTileRows => 0;

    /// <summary>Rows of a panel few enough to score by dot products with the head dimension in lanes
    /// (<see cref="ScoreDotsNarrow"/>, which scores exactly this many); 0 when the path has none.</summary>
    static virtual int NarrowDotRows => 0;

    /// <summary>Row-major accumulator: query rows per value tile.</summary>
    static virtual int ValueRows => 0;

    /// <summary>Row-major accumulator: head dimensions per pass of a value tile.</summary>
    static virtual int ValueDims => 0;

    /// <summary>Row-major accumulator: query rows of the value tail tile after whole value tiles (0: none).</summary>
    static virtual int ValueTailRows => 0;

    /// <summary>Row-major accumulator: head dimensions per pass of the value tail tile.</summary>
    static virtual int ValueTailDims => 0;

    /// <summary>Transposed accumulator: head dimensions left after whole <see cref="TransposedValueTile"/>s (0: none).</summary>
    static virtual int TransposedTailDims => 0;

    /// <summary>Scores of <see cref="TileRows"/> keys against the panel: <c>Sᵀ = K · Qᵀ</c>, folding each lane's max into
    /// <paramref name="scoreMax"/>.</summary>
    static abstract void ScoreTile(ref float keys, ref float queries, ref float scores, ref float scoreMax);

    /// <summary>Scores of <see cref="NarrowTileRows"/> keys against one vector of lanes.</summary>
    static virtual void ScoreTileNarrow(ref float keys, ref float queries, ref float scores, ref float scoreMax) =>
        throw new NotSupportedException();

    /// <summary>Scores of <see cref="NarrowDotRows"/> row-major scaled query rows against <paramref name="count"/> keys,
    /// by dot products: row r's score in lane r.</summary>
    static virtual void ScoreDotsNarrow(ref float keys, int count, ref float queries, ref float scores, ref float scoreMax) =>
        throw new NotSupportedException();

    /// <summary>Row-major: <c>O = O · rescale + P · V</c> for <see cref="ValueRows"/> rows and <see cref="ValueDims"/>
    /// head dimensions (<c>O = P · V</c> in the first block); with <paramref name="writeOutput"/>, the rows go to the
    /// output times <paramref name="factors"/> instead.</summary>
    static virtual void ValueTile(ref float probabilities, ref float values, ref float accumulator, int count, bool firstBlock,
        ref float rescale, bool writeOutput, ref float output, ref int outputRows, ref float factors) =>
        throw new NotSupportedException();

    /// <summary>As <see cref="ValueTile"/>, for <see cref="ValueTailRows"/> rows and <see cref="ValueTailDims"/> dimensions.</summary>
    static virtual void ValueTail(ref float probabilities, ref float values, ref float accumulator, int count, bool firstBlock,
        ref float rescale, bool writeOutput, ref float output, ref int outputRows, ref float factors) =>
        throw new NotSupportedException();

    /// <summary>Transposed: <c>Oᵀ += Vᵀ · P</c> for <see cref="TileRows"/> head dimensions.</summary>
    static virtual void TransposedValueTile(ref float values, ref float probabilities, ref float accumulator, int count) =>
        throw new NotSupportedException();

    /// <summary>Transposed: <c>Oᵀ += Vᵀ · P</c> for the last <see cref="TransposedTailDims"/> head dimensions.</summary>
    static virtual void TransposedValueTail(ref float values, ref float probabilities, ref float accumulator, int count) =>
        throw new NotSupportedException();
}
