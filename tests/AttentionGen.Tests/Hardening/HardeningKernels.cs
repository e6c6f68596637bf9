using AttentionGen;

// Extra kernels for the hardening tests. Every [AttentionKernel] class of this assembly joins TestKernel.All, so
// these also run through every other kernel test: keep them small. Each covers a corner the other kernels miss.
namespace AttentionGen.Tests.Hardening
{
    /// <summary>Row strategy on AVX-512 (4 rows per key/value head), GQA, causal, TokenMajor, an odd head dimension
    /// (a vector tail in every RowAttention loop) and more than two key blocks of 256.</summary>
    [AttentionKernel(SeqLen = 2, KvLen = 600, Heads = 4, KvHeads = 2, HeadDim = 33, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class RowsGqaCausalTokenMajor { }

    /// <summary>Row strategy on AVX-512 and panels elsewhere, causal with more queries than keys: rows that attend no
    /// key at every kvLength.</summary>
    [AttentionKernel(SeqLen = 7, KvLen = 5, Heads = 1, HeadDim = 17, Causal = true)]
    public static partial class RowsCausalMoreQueries { }

    /// <summary>Panels: GQA rows interleaved across three panels (the last one partial), three key blocks, a head
    /// dimension that is not a multiple of any tile height, causal with S ≠ T.</summary>
    [AttentionKernel(SeqLen = 45, KvLen = 300, Heads = 4, KvHeads = 2, HeadDim = 10, Causal = true)]
    public static partial class PanelsGqaCausalBlocks { }
}
