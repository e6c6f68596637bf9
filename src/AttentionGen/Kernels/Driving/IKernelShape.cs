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

    /// <summary>The score transform: <c>Scale · log2(e)</c>, applied as the queries are packed, so scores are in log2
    /// units and the softmax takes 2ˣ.</summary>
    static abstract float ScoreScale { get; }
}
