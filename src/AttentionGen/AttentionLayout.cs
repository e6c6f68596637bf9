namespace AttentionGen;

/// <summary>Memory layout of the four tensors of an attention kernel (all dense, row-major float32).</summary>
public enum AttentionLayout
{
    /// <summary>Query and output <c>[Heads, SeqLen, HeadDim]</c>; key and value <c>[KvHeads, KvLen, HeadDim]</c>
    /// (PyTorch's <c>[B, H, S, D]</c> for one batch item).</summary>
    HeadMajor = 0,

    /// <summary>Query and output <c>[SeqLen, Heads, HeadDim]</c>; key and value <c>[KvLen, KvHeads, HeadDim]</c>
    /// (what a linear projection produces: <c>[S, H*D]</c>).</summary>
    TokenMajor = 1,
}
