using AttentionGen;

namespace AttentionGen.Benchmarks;

// The benchmark shapes (a–h), named as in the performance issue.

/// <summary>a: BERT-base encoder, S = T = 128, H = 12, D = 64.</summary>
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

/// <summary>The window target's pair: S = T = 2048, H = 8 on 2, D = 128, causal, without and with a 256-key window.</summary>
[AttentionKernel(SeqLen = 2048, Heads = 8, KvHeads = 2, HeadDim = 128, Causal = true)]
public static partial class CausalLong { }

/// <summary><see cref="CausalLong"/> with Mistral's sliding window, 256 keys.</summary>
[AttentionKernel(SeqLen = 2048, Heads = 8, KvHeads = 2, HeadDim = 128, Causal = true, Window = 256)]
public static partial class CausalLongWindow { }

/// <summary>The overheads' base: S = T = 1024, H = 16 on 8, D = 128, causal.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Causal = true)]
public static partial class Causal1024 { }

/// <summary><see cref="Causal1024"/> with Gemma 2's soft-cap of 50.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Causal = true, Softcap = 50)]
public static partial class Causal1024Softcap { }

/// <summary><see cref="Causal1024"/> with ALiBi.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Causal = true, Alibi = true)]
public static partial class Causal1024Alibi { }

/// <summary><see cref="Causal1024"/> with gpt-oss's sinks.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Causal = true, Sinks = true)]
public static partial class Causal1024Sinks { }

/// <summary><see cref="Causal1024"/> with Gemma 2's soft-cap and a 256-key window: the pair timed against ONNX Runtime's
/// GroupQueryAttention with softcap and local_window_size.</summary>
[AttentionKernel(SeqLen = 1024, Heads = 16, KvHeads = 8, HeadDim = 128, Causal = true, Softcap = 50, Window = 256)]
public static partial class Causal1024SoftcapWindow { }

/// <summary>Shape d with a Half key/value cache.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 32, HeadDim = 128, KvType = AttentionKvType.Half)]
public static partial class ShapeDHalf { }

/// <summary>Shape d with a bfloat16 key/value cache.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 32, HeadDim = 128, KvType = AttentionKvType.BFloat16)]
public static partial class ShapeDBf16 { }

/// <summary>GQA decoding from a long cache: S = 1, T = 4096, H = 32 on 8, D = 128 (Llama-3-8B), float32.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 32, KvHeads = 8, HeadDim = 128)]
public static partial class DecodeGqaLong { }

/// <summary><see cref="DecodeGqaLong"/> with a Half cache.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 32, KvHeads = 8, HeadDim = 128, KvType = AttentionKvType.Half)]
public static partial class DecodeGqaLongHalf { }

/// <summary>Shape c with Half keys and values.</summary>
[AttentionKernel(SeqLen = 512, Heads = 8, HeadDim = 64, KvType = AttentionKvType.Half)]
public static partial class ShapeCHalf { }

/// <summary><see cref="DecodeGqaLong"/> with a bfloat16 cache.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 32, KvHeads = 8, HeadDim = 128, KvType = AttentionKvType.BFloat16)]
public static partial class DecodeGqaLongBf16 { }
