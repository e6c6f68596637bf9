using System;

namespace AttentionGen;

/// <summary>
/// Turns a <c>partial</c> class into a scaled-dot-product attention kernel,
/// <c>softmax(Scale · Q·Kᵀ) · V</c>, specialized at compile time for one shape.
/// </summary>
/// <remarks>
/// The AttentionGen source generator adds the constants <c>SeqLen</c>, <c>KvLen</c>, <c>Heads</c>,
/// <c>KvHeads</c>, <c>HeadDim</c>, <c>Scale</c>, the element counts <c>QueryLength</c>, <c>KeyLength</c>,
/// <c>ValueLength</c>, <c>OutputLength</c>, and the methods <c>Forward</c> and <c>ForwardParallel</c>.
/// <see cref="SeqLen"/>, <see cref="Heads"/> and <see cref="HeadDim"/> are required.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AttentionKernelAttribute : Attribute
{
    /// <summary>Query length S (required).</summary>
    public int SeqLen { get; set; }

    /// <summary>Query heads H (required).</summary>
    public int Heads { get; set; }

    /// <summary>Head dimension D (required).</summary>
    public int HeadDim { get; set; }

    /// <summary>Key/value length T: the most keys a call can attend. Defaults to <see cref="SeqLen"/>.</summary>
    public int KvLen { get; set; }

    /// <summary>Key/value heads; fewer than <see cref="Heads"/> is grouped-query (GQA) or multi-query (1)
    /// attention. Must divide <see cref="Heads"/>. Defaults to <see cref="Heads"/>.</summary>
    public int KvHeads { get; set; }

    /// <summary>Causal mask, bottom-right aligned: query row i attends key j when
    /// <c>j &lt;= i + (kvLength - SeqLen)</c>. Defaults to <see langword="false"/>.</summary>
    public bool Causal { get; set; }

    /// <summary>Multiplier of Q·Kᵀ; positive and finite. Defaults to <c>1/sqrt(HeadDim)</c>.</summary>
    public float Scale { get; set; }

    /// <summary>Memory layout of all four tensors. Defaults to <see cref="AttentionLayout.HeadMajor"/>.</summary>
    public AttentionLayout Layout { get; set; }

    /// <summary>Sliding window (Mistral, Gemma 2's local layers, gpt-oss): a query at absolute position p attends only
    /// keys <c>p − Window &lt; j &lt;= p</c>, <see cref="Window"/> keys, itself included. Requires <see cref="Causal"/>.
    /// Defaults to 0, no window.</summary>
    public int Window { get; set; }

    /// <summary>Logit soft-capping (Gemma 2): each score s becomes <c>Softcap · tanh(s / Softcap)</c>, before any bias
    /// and the mask; positive and finite. Defaults to 0, no soft-capping.</summary>
    public float Softcap { get; set; }

    /// <summary>ALiBi (BLOOM, MPT): adds <c>−m_h · |p − j|</c> to the score of query head h, with the standard slopes
    /// (<see cref="AlibiSlopes"/>). Defaults to <see langword="false"/>.</summary>
    public bool Alibi { get; set; }

    /// <summary>Attention sinks (gpt-oss): one logit per query head, passed to every <c>Forward</c> as <c>sinks</c>
    /// right after <c>value</c>, joins the softmax's denominator and attends no value. Defaults to
    /// <see langword="false"/>.</summary>
    public bool Sinks { get; set; }

    /// <summary>Element type of key and value: <see cref="AttentionKvType.Float32"/> (<c>ReadOnlySpan&lt;float&gt;</c>),
    /// <see cref="AttentionKvType.Half"/> (<c>ReadOnlySpan&lt;Half&gt;</c>) or <see cref="AttentionKvType.BFloat16"/>
    /// (<c>ReadOnlySpan&lt;ushort&gt;</c> of bfloat16 bits). Query and output stay float, and the math float32 on the stored
    /// values exactly. Defaults to <see cref="AttentionKvType.Float32"/>.</summary>
    public AttentionKvType KvType { get; set; }
}
