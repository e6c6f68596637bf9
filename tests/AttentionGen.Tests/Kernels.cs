using AttentionGen;

// Kernels under test. Golden kernels match ../Golden/cases.json one to one; the others cover the rest of the
// option space: odd sizes that are not multiples of any vector width, GQA/MQA, both layouts, causal with
// S > T, decode, many key blocks (online softmax), and the smallest shape there is.
namespace AttentionGen.Tests.Golden
{
    [AttentionKernel(SeqLen = 3, Heads = 1, HeadDim = 4, Scale = 0.5f)]
    public static partial class SeedToy { }

    [AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
    public static partial class MiniLm128 { }

    [AttentionKernel(SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionLayout.TokenMajor)]
    public static partial class Vit197 { }

    [AttentionKernel(SeqLen = 1, KvLen = 1024, Heads = 8, HeadDim = 128)]
    public static partial class Decode1024 { }

    [AttentionKernel(SeqLen = 256, Heads = 8, HeadDim = 64, Causal = true)]
    public static partial class Causal256 { }

    [AttentionKernel(SeqLen = 128, Heads = 32, KvHeads = 8, HeadDim = 128, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class GqaLlama { }

    [AttentionKernel(SeqLen = 77, KvLen = 257, Heads = 8, HeadDim = 64)]
    public static partial class Cross77x257 { }

    [AttentionKernel(SeqLen = 16, KvLen = 512, Heads = 4, KvHeads = 2, HeadDim = 64, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class ChunkedPrefill { }

    [AttentionKernel(SeqLen = 64, Heads = 4, HeadDim = 32)]
    public static partial class HotLogits { }

    [AttentionKernel(SeqLen = 96, Heads = 4, HeadDim = 80, Causal = true, Scale = 0.05f)]
    public static partial class PhiD80 { }
}

namespace AttentionGen.Tests.Matrix
{
    [AttentionKernel(SeqLen = 33, KvLen = 47, Heads = 6, KvHeads = 2, HeadDim = 9, Layout = AttentionLayout.TokenMajor)]
    public static partial class OddGqaTokenMajor { }

    [AttentionKernel(SeqLen = 40, Heads = 4, KvHeads = 1, HeadDim = 16, Causal = true)]
    public static partial class MultiQueryCausal { }

    [AttentionKernel(SeqLen = 20, KvLen = 12, Heads = 2, HeadDim = 8, Causal = true)]
    public static partial class CausalMoreQueriesThanKeys { }

    [AttentionKernel(SeqLen = 1, KvLen = 300, Heads = 4, HeadDim = 128)]
    public static partial class DecodeStep { }

    [AttentionKernel(SeqLen = 1, KvLen = 300, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class DecodeStepGqa { }

    // One query row for each of eight key/value heads: blocks of 2048 keys, the last one partial.
    [AttentionKernel(SeqLen = 1, KvLen = 4500, Heads = 8, HeadDim = 64, Causal = true)]
    public static partial class DecodeLongBlocks { }

    // One query row, one key/value head: the keys are split into ranges (split-KV) merged at the end.
    [AttentionKernel(SeqLen = 1, KvLen = 1000, Heads = 8, KvHeads = 1, HeadDim = 64, Causal = true)]
    public static partial class DecodeMultiQuerySplit { }

    // One query row of 32 heads sharing one key/value head: a single panel whose keys are split (split-KV).
    [AttentionKernel(SeqLen = 1, KvLen = 700, Heads = 32, KvHeads = 1, HeadDim = 40)]
    public static partial class DecodeWideGroupSplit { }

    // Rows that leave a few for the last panel (35 = 32 + 3; 16 + 16 + 3): it computes one vector of lanes.
    [AttentionKernel(SeqLen = 35, KvLen = 90, Heads = 1, HeadDim = 64)]
    public static partial class NarrowLastPanel { }

    // The same with a causal diagonal, a GQA group and TokenMajor (74 rows per key/value head = 2 × 32 + 10).
    [AttentionKernel(SeqLen = 37, KvLen = 300, Heads = 2, KvHeads = 1, HeadDim = 32, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class NarrowLastPanelCausal { }

    // Last panels of a few rows whose scores are dot products with the head dimension in lanes (at most half a vector):
    // 36 rows = 32 + 4 on AVX-512 and 2 × 16 + 4 on AVX2; 72 GQA rows = 2 × 32 + 8 on AVX-512, every lane of SumEach.
    [AttentionKernel(SeqLen = 36, KvLen = 100, Heads = 2, HeadDim = 64, Causal = true)]
    public static partial class NarrowDotRowsCausal { }

    [AttentionKernel(SeqLen = 36, KvLen = 100, Heads = 2, KvHeads = 1, HeadDim = 64, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class NarrowDotRowsGqaCausal { }

    [AttentionKernel(SeqLen = 100, Heads = 3, HeadDim = 80, Scale = 0.3f, Layout = AttentionLayout.TokenMajor)]
    public static partial class D80TokenMajor { }

    [AttentionKernel(SeqLen = 17, KvLen = 1000, Heads = 2, HeadDim = 32, Causal = true)]
    public static partial class LongKeysCausal { }

    [AttentionKernel(SeqLen = 70, KvLen = 2048, Heads = 1, HeadDim = 64)]
    public static partial class ManyKeyBlocks { }

    [AttentionKernel(SeqLen = 1, Heads = 1, HeadDim = 1)]
    public static partial class Smallest { }

    [AttentionKernel(SeqLen = 5, KvLen = 7, Heads = 3, KvHeads = 1, HeadDim = 3, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class TinyGroupedCausal { }

    [AttentionKernel(SeqLen = 20, KvLen = 40, Heads = 2, HeadDim = 256, Scale = 0.01f)]
    public static partial class WideHeads { }

    [AttentionKernel(SeqLen = 50, Heads = 2, HeadDim = 24, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class SelfCausalTokenMajor { }

    [AttentionKernel(SeqLen = 3, KvLen = 50, Heads = 2, HeadDim = 20, Causal = true)]
    public static partial class FewRowsCausal { }

    // Scratch above the stack cap on every vector path: rented from the array pool.
    [AttentionKernel(SeqLen = 20, KvLen = 30, Heads = 1, HeadDim = 1100, Scale = 0.02f)]
    public static partial class RentedScratch { }
}

// Golden cases of contract version 2 that use runtime lengths and batches (../Golden/Variants/cases.json).
namespace AttentionGen.Tests.Variants
{
    [AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
    public static partial class PrefixMiniLm { }

    [AttentionKernel(SeqLen = 256, Heads = 12, HeadDim = 32, Layout = AttentionLayout.TokenMajor)]
    public static partial class PrefixTokenMajor { }

    [AttentionKernel(SeqLen = 64, KvLen = 512, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class ChunkRuntime { }

    [AttentionKernel(SeqLen = 64, Heads = 4, HeadDim = 32, Layout = AttentionLayout.TokenMajor)]
    public static partial class BatchBert { }

    [AttentionKernel(SeqLen = 1, KvLen = 512, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true)]
    public static partial class BatchDecode { }

    [AttentionKernel(SeqLen = 256, Heads = 8, KvHeads = 2, HeadDim = 128, Causal = true, Window = 64, Layout = AttentionLayout.TokenMajor)]
    public static partial class MistralWindow { }

    [AttentionKernel(SeqLen = 128, Heads = 8, KvHeads = 4, HeadDim = 256, Causal = true, Softcap = 50, Window = 48, Scale = 0.0625f,
        Layout = AttentionLayout.TokenMajor)]
    public static partial class Gemma2Softcap { }

    [AttentionKernel(SeqLen = 128, Heads = 16, KvHeads = 2, HeadDim = 64, Causal = true, Window = 32, Sinks = true,
        Layout = AttentionLayout.TokenMajor)]
    public static partial class GptOssSinks { }

    [AttentionKernel(SeqLen = 96, Heads = 12, HeadDim = 64, Causal = true, Alibi = true)]
    public static partial class AlibiBloom { }

    [AttentionKernel(SeqLen = 64, Heads = 8, HeadDim = 32, Alibi = true)]
    public static partial class AlibiEncoder { }

    [AttentionKernel(SeqLen = 64, Heads = 4, HeadDim = 32, Softcap = 30)]
    public static partial class HotSoftcap { }
}

// Decoder variants in combination with each other, GQA/MQA, both layouts, the row (decode) strategy and split keys.
namespace AttentionGen.Tests.Decoder
{
    [AttentionKernel(SeqLen = 70, KvLen = 200, Heads = 6, KvHeads = 2, HeadDim = 48, Causal = true, Window = 17, Softcap = 20,
        Alibi = true, Sinks = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class EveryVariantGqa { }

    [AttentionKernel(SeqLen = 40, Heads = 5, HeadDim = 64, Causal = true, Window = 1, Sinks = true)]
    public static partial class WindowOfOne { }

    [AttentionKernel(SeqLen = 33, KvLen = 90, Heads = 3, KvHeads = 1, HeadDim = 20, Causal = true, Window = 9, Alibi = true)]
    public static partial class OddShapeWindowAlibiMqa { }

    [AttentionKernel(SeqLen = 1, KvLen = 3000, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, Window = 700, Softcap = 30,
        Sinks = true)]
    public static partial class DecodeWindowSplit { }

    [AttentionKernel(SeqLen = 2, KvLen = 300, Heads = 7, HeadDim = 32, Causal = true, Window = 6, Alibi = true, Sinks = true,
        Layout = AttentionLayout.TokenMajor)]
    public static partial class DecodeWindowAlibiSinks { }

    [AttentionKernel(SeqLen = 50, KvLen = 50, Heads = 4, HeadDim = 96, Softcap = 5, Sinks = true)]
    public static partial class EncoderSoftcapSinks { }

    // Decoding with groups of seven query heads (Qwen's 28 on 4): chunks of four and three rows, and a head dimension
    // with a tail past the last whole vector.
    [AttentionKernel(SeqLen = 1, KvLen = 300, Heads = 28, KvHeads = 4, HeadDim = 72, Causal = true, Layout = AttentionLayout.TokenMajor)]
    public static partial class DecodeGroupOfSeven { }
}

// 16-bit key/value caches: the golden cases of contract version 2 and combinations of our own (HalfCacheTests).
namespace AttentionGen.Tests.HalfCache
{
    [AttentionKernel(SeqLen = 1, KvLen = 1024, Heads = 32, KvHeads = 4, HeadDim = 128, Causal = true, KvType = AttentionKvType.Half)]
    public static partial class DecodeHalf { }

    [AttentionKernel(SeqLen = 1, KvLen = 512, Heads = 16, HeadDim = 64, Causal = true, KvType = AttentionKvType.BFloat16,
        Layout = AttentionLayout.TokenMajor)]
    public static partial class DecodeBf16 { }

    [AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64, KvType = AttentionKvType.Half)]
    public static partial class PrefillHalf { }

    [AttentionKernel(SeqLen = 45, KvLen = 130, Heads = 6, KvHeads = 2, HeadDim = 40, Causal = true, Window = 50, Sinks = true,
        KvType = AttentionKvType.Half, Layout = AttentionLayout.TokenMajor)]
    public static partial class ChunkHalfWindowSinks { }

    [AttentionKernel(SeqLen = 3, KvLen = 700, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, Softcap = 30, Alibi = true,
        KvType = AttentionKvType.BFloat16)]
    public static partial class DecodeBf16SoftcapAlibi { }

    [AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 2, HeadDim = 32, KvType = AttentionKvType.Half)]
    public static partial class DecodeHalfSplit { }

    [AttentionKernel(SeqLen = 2, KvLen = 200, Heads = 6, KvHeads = 2, HeadDim = 40, Causal = true, Window = 50,
        KvType = AttentionKvType.Half)]
    public static partial class DecodeGroupOfThreeHalf { }
}
