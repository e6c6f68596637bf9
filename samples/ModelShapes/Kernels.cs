using AttentionGen;

namespace ModelShapes;

/// <summary>BERT-base self-attention: up to 128 tokens, 12 heads of 64; each call at its sentence's length.</summary>
[AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
public static partial class BertBaseAttention { }

/// <summary>ViT-B/16 at 224²: 196 patches + [CLS], 12 heads of 64, straight from the QKV projection.</summary>
[AttentionKernel(SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionLayout.TokenMajor)]
public static partial class VitBaseAttention { }

/// <summary>Whisper-base encoder: 1500 audio frames, 8 heads of 64.</summary>
[AttentionKernel(SeqLen = 1500, Heads = 8, HeadDim = 64)]
public static partial class WhisperEncoderAttention { }

/// <summary>A small decoder's causal prefill of a 512-token prompt, 8 heads of 64.</summary>
[AttentionKernel(SeqLen = 512, Heads = 8, HeadDim = 64, Causal = true)]
public static partial class DecoderPrefillAttention { }

/// <summary>Llama-style decode step: one new token against a KV cache of up to 2048, 32 query heads on 8 KV heads.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 32, KvHeads = 8, HeadDim = 128, Causal = true, Layout = AttentionLayout.TokenMajor)]
public static partial class LlamaDecodeAttention { }

/// <summary>Multi-query decode step (StarCoder/Falcon style): one new token, 48 query heads sharing one KV head of
/// up to 4096 positions. With a single key/value head the kernel splits the keys (split-KV) to use every core.</summary>
[AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 48, KvHeads = 1, HeadDim = 128, Causal = true)]
public static partial class MultiQueryDecodeAttention { }
