using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Where a panel worker's scratch keeps each part, in floats: the packed queries <c>Qᵀ·ScoreScale [HeadDim][lanes]</c>,
/// the accumulator (<c>[HeadDim][lanes]</c> either way round), the block's scores and then probabilities
/// <c>[KeyBlock][lanes]</c>, eight per-lane rows (running max, running sum, last allowed key, rescale factor, the block's
/// score max, first allowed key negated, position and negated ALiBi slope), and with packed keys and values one key/value head's K and V <c>[KvLen][HeadDim]</c> each.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct PanelScratch
{
    private PanelScratch(int headDim, int lanes, int keyBlock, int kvLen, bool packKeyValues)
    {
        AccumulatorAt = headDim * lanes;
        ScoresAt = AccumulatorAt + headDim * lanes;
        MaxAt = ScoresAt + keyBlock * lanes;
        SumAt = MaxAt + lanes;
        LimitAt = SumAt + lanes;
        RescaleAt = LimitAt + lanes;
        ScoreMaxAt = RescaleAt + lanes;
        NegatedFirstKeyAt = ScoreMaxAt + lanes;
        PositionAt = NegatedFirstKeyAt + lanes;
        NegatedSlopeAt = PositionAt + lanes;
        KeysAt = NegatedSlopeAt + lanes;
        ValuesAt = KeysAt + (packKeyValues ? kvLen * headDim : 0);
        Floats = ValuesAt + (packKeyValues ? kvLen * headDim : 0);
    }

    /// <summary>The layout for a kernel's shape and path (JIT-time constants).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PanelScratch For<TShape, TPath>()
        where TShape : struct, IKernelShape
        where TPath : struct, IPanelPath =>
        new(TShape.HeadDim, TPath.PanelLanes, TPath.KeyBlock, TShape.KvLen, PanelDriver.Packs<TShape, TPath>());

    /// <summary>The accumulator.</summary>
    public int AccumulatorAt { get; }

    /// <summary>Scores, then probabilities.</summary>
    public int ScoresAt { get; }

    /// <summary>Running max per lane.</summary>
    public int MaxAt { get; }

    /// <summary>Running sum per lane.</summary>
    public int SumAt { get; }

    /// <summary>Last allowed key per lane (causal).</summary>
    public int LimitAt { get; }

    /// <summary><c>2^(old max − new max)</c> per lane.</summary>
    public int RescaleAt { get; }

    /// <summary>The block's score max per lane, folded by the score tiles.</summary>
    public int ScoreMaxAt { get; }

    /// <summary>First allowed key per lane, negated (sliding window).</summary>
    public int NegatedFirstKeyAt { get; }

    /// <summary>Absolute position per lane (ALiBi).</summary>
    public int PositionAt { get; }

    /// <summary><c>−m_h·log2(e)</c> per lane (ALiBi).</summary>
    public int NegatedSlopeAt { get; }

    /// <summary>Packed K.</summary>
    public int KeysAt { get; }

    /// <summary>Packed V.</summary>
    public int ValuesAt { get; }

    /// <summary>All of it.</summary>
    public int Floats { get; }
}
