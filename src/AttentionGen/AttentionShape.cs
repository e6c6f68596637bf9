using System;

namespace AttentionGen;

/// <summary>
/// The shape and options of one attention computation, known at run time. The float64
/// <see cref="Reference.AttentionReference"/> takes it; generated kernels carry the same facts as constants.
/// </summary>
public sealed record AttentionShape
{
    /// <summary>Describes an attention computation. Omitted options take the contract's defaults:
    /// <paramref name="kvLen"/> = <paramref name="seqLen"/>, <paramref name="kvHeads"/> = <paramref name="heads"/>,
    /// <paramref name="scale"/> = <c>1/sqrt(headDim)</c>, no window, soft-cap, ALiBi or sinks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, <paramref name="kvHeads"/> does
    /// not divide <paramref name="heads"/>, the scale is not positive and finite, the layout is undefined, the window
    /// is negative or set without <paramref name="causal"/>, the soft-cap is negative or not finite, or an element count
    /// does not fit in an <see cref="int"/>.</exception>
    public AttentionShape(int seqLen, int heads, int headDim, int? kvLen = null, int? kvHeads = null,
        bool causal = false, float? scale = null, AttentionLayout layout = AttentionLayout.HeadMajor,
        int window = 0, float softcap = 0, bool alibi = false, bool sinks = false)
    {
        if (window < 0 || (window > 0 && !causal))
            throw new ArgumentOutOfRangeException(nameof(window), window, "Window must be at least 0, and a window needs causal.");
        if (!(softcap >= 0) || float.IsInfinity(softcap))
            throw new ArgumentOutOfRangeException(nameof(softcap), softcap, "Softcap must be 0 (none) or positive and finite.");
        Window = window;
        Softcap = softcap;
        Alibi = alibi;
        Sinks = sinks;
        SeqLen = Positive(seqLen, nameof(seqLen));
        Heads = Positive(heads, nameof(heads));
        HeadDim = Positive(headDim, nameof(headDim));
        KvLen = Positive(kvLen ?? seqLen, nameof(kvLen));
        KvHeads = Positive(kvHeads ?? heads, nameof(kvHeads));
        if (Heads % KvHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(kvHeads), KvHeads, $"KvHeads must divide Heads ({Heads}).");
        Causal = causal;
        Scale = scale ?? DefaultScale(headDim);
        if (!(Scale > 0) || float.IsInfinity(Scale))
            throw new ArgumentOutOfRangeException(nameof(scale), Scale, "Scale must be positive and finite.");
        if (layout is not (AttentionLayout.HeadMajor or AttentionLayout.TokenMajor))
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Layout must be HeadMajor or TokenMajor.");
        Layout = layout;
        QueryLength = ElementCount(Heads, SeqLen, HeadDim, "query");
        KeyLength = ElementCount(KvHeads, KvLen, HeadDim, "key");
        ValueLength = KeyLength;
        OutputLength = QueryLength;
    }

    /// <summary>Query length S.</summary>
    public int SeqLen { get; }

    /// <summary>Query heads H.</summary>
    public int Heads { get; }

    /// <summary>Head dimension D.</summary>
    public int HeadDim { get; }

    /// <summary>Key/value length T.</summary>
    public int KvLen { get; }

    /// <summary>Key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Whether the bottom-right aligned causal mask applies.</summary>
    public bool Causal { get; }

    /// <summary>Multiplier of Q·Kᵀ.</summary>
    public float Scale { get; }

    /// <summary>Memory layout of all four tensors.</summary>
    public AttentionLayout Layout { get; }

    /// <summary>Sliding window: a row at position p attends keys <c>p − Window &lt; j &lt;= p</c>; 0 for none.</summary>
    public int Window { get; }

    /// <summary>Logit soft-cap: a score s becomes <c>Softcap · tanh(s / Softcap)</c>; 0 for none.</summary>
    public float Softcap { get; }

    /// <summary>Whether ALiBi's bias <c>−m_h · |p − j|</c> is added to the scores.</summary>
    public bool Alibi { get; }

    /// <summary>Whether one sink logit per query head joins the softmax's denominator.</summary>
    public bool Sinks { get; }

    /// <summary>Elements in the query span: H·S·D.</summary>
    public int QueryLength { get; }

    /// <summary>Elements in the key span: KvHeads·T·D.</summary>
    public int KeyLength { get; }

    /// <summary>Elements in the value span: KvHeads·T·D.</summary>
    public int ValueLength { get; }

    /// <summary>Elements in the output span: H·S·D.</summary>
    public int OutputLength { get; }

    /// <summary>The contract's default scale, <c>1/sqrt(headDim)</c>, rounded to float as the generator does.</summary>
    public static float DefaultScale(int headDim) => (float)(1.0 / System.Math.Sqrt(headDim));

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Dimensions must be positive.");

    /// <summary>a·b·c, formed so it cannot wrap, or an exception when it exceeds int.MaxValue.</summary>
    private static int ElementCount(int a, int b, int c, string tensor)
    {
        long ab = (long)a * b;
        return ab <= int.MaxValue && ab * c <= int.MaxValue
            ? (int)(ab * c)
            : throw new ArgumentOutOfRangeException(tensor, (decimal)ab * c, $"The {tensor} tensor has more than int.MaxValue elements.");
    }
}
