namespace AttentionGen;

/// <summary>The element type of a kernel's key and value tensors. Query and output stay <see cref="float"/>, and the
/// math is float32 on the stored values exactly.</summary>
public enum AttentionKvType
{
    /// <summary><see cref="float"/>: <c>ReadOnlySpan&lt;float&gt;</c>.</summary>
    Float32 = 0,

    /// <summary>IEEE 754 half precision: <c>ReadOnlySpan&lt;Half&gt;</c>.</summary>
    Half = 1,

    /// <summary>bfloat16, the upper 16 bits of a float32: <c>ReadOnlySpan&lt;ushort&gt;</c> holding the bits.</summary>
    BFloat16 = 2,
}
