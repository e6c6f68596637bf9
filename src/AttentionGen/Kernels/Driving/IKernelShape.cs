using System.ComponentModel;

namespace AttentionGen.Kernels;

/// <summary>
/// One kernel's shape as JIT-time constants: a generated struct implements it with expression-bodied properties, and
/// the runtime's drivers, generic over it, are specialized by the JIT per kernel with every dimension folded in.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelShape
{
    /// <summary>Query rows S the kernel is compiled for: the most a call can pass.</summary>
    static abstract int SeqLen { get; }

    /// <summary>Key/value positions T the kernel is compiled for: the most a call can attend.</summary>
    static abstract int KvLen { get; }

    /// <summary>Query heads H.</summary>
    static abstract int Heads { get; }

    /// <summary>Key/value heads; query head h reads key/value head h / (Heads / KvHeads).</summary>
    static abstract int KvHeads { get; }

    /// <summary>Head dimension D.</summary>
    static abstract int HeadDim { get; }

    /// <summary>Whether the causal mask (bottom-right aligned) applies.</summary>
    static abstract bool Causal { get; }

    /// <summary>Whether the tensors are <c>[S, H, D]</c> (TokenMajor) rather than <c>[H, S, D]</c> (HeadMajor).</summary>
    static abstract bool TokenMajor { get; }

    /// <summary>What the queries are multiplied by as they are packed: <c>Scale · log2(e)</c>, so scores are in log2
    /// units and the softmax takes 2ˣ; with soft-capping <c>Scale / Softcap</c>, the tanh's argument (see
    /// <see cref="CapLog2"/>).</summary>
    static abstract float ScoreScale { get; }

    /// <summary>Whether a sliding window limits each row's keys from below: <see cref="Window"/> keys, its own
    /// position included.</summary>
    static virtual bool Windowed => false;

    /// <summary>Keys per row in the sliding window; read only when <see cref="Windowed"/>.</summary>
    static virtual int Window => 0;

    /// <summary>Whether scores are soft-capped: <c>Softcap · tanh(s / Softcap)</c>.</summary>
    static virtual bool SoftCapped => false;

    /// <summary><c>Softcap · log2(e)</c>: a capped score in log2 units is <c>CapLog2 · tanh(x)</c>, x the packed score;
    /// read only when <see cref="SoftCapped"/>.</summary>
    static virtual float CapLog2 => 0;

    /// <summary>Whether ALiBi's bias <c>−m_h · |p − j|</c> is added to the scores.</summary>
    static virtual bool Alibi => false;

    /// <summary>Whether each query head's sink logit joins the softmax's denominator.</summary>
    static virtual bool Sinks => false;

    /// <summary>How keys and values are stored; the drivers convert 16-bit ones to float32 as they pack them.</summary>
    static virtual AttentionKvType KvType => AttentionKvType.Float32;
}
