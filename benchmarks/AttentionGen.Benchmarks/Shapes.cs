using AttentionGen;

namespace AttentionGen.Benchmarks;

// The benchmark shapes (a–h), named as in the performance issue.

/// <summary>a: MiniLM/BERT-base encoder, S = T = 128, H = 12, D = 64.</summary>
[AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
public static partial class ShapeA { }

/// <summary>b: ViT-B/16, S = T = 197, H = 12, D = 64, TokenMajor.</summary>
[AttentionKernel(SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionLayout.TokenMajor)]
public static partial class ShapeB { }

/// <summary>c: S = T = 512, H = 8, D = 64.</summary>
[AttentionKernel(SeqLen = 512, Heads = 8, HeadDim = 64)]
public static partial class ShapeC { }

/// <summary>d: decode, S = 1, T = 2048, H = 32, D = 128.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 32, HeadDim = 128)]
public static partial class ShapeD { }

/// <summary>e: small, S = T = 64, H = 4, D = 32.</summary>
[AttentionKernel(SeqLen = 64, Heads = 4, HeadDim = 32)]
public static partial class ShapeE { }

/// <summary>f: S = T = 1024, H = 16, D = 64, causal.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, HeadDim = 64, Causal = true)]
public static partial class ShapeF { }

/// <summary>g: GQA, S = T = 256, H = 32 on 8 KV heads, D = 128, causal.</summary>
[AttentionKernel(SeqLen = 256, Heads = 32, KvHeads = 8, HeadDim = 128, Causal = true)]
public static partial class ShapeG { }

/// <summary>h: cross-attention, S = 77, T = 257, H = 8, D = 64.</summary>
[AttentionKernel(SeqLen = 77, KvLen = 257, Heads = 8, HeadDim = 64)]
public static partial class ShapeH { }

/// <summary>A decode batch's kernel: S = 1, T = 2048, H = 32 on 8 KV heads, D = 128 (Llama-3-8B's attention).</summary>
[AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 32, KvHeads = 8, HeadDim = 128)]
public static partial class DecodeGqa { }
