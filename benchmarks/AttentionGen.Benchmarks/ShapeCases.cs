using System;

namespace AttentionGen.Benchmarks;

/// <summary>A generated kernel's Forward or ForwardParallel, as a delegate so one harness can drive every shape.</summary>
public delegate void KernelCall(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output);

/// <summary>One benchmark shape: its letter, what it models, its run-time description (the reference and the peers
/// need one; generated kernels only carry constants) and the generated entry points.</summary>
public sealed record ShapeCase(string Id, string Description, AttentionShape Shape, KernelCall Forward, KernelCall ForwardParallel)
{
    /// <summary>Query/key pairs attended in one call, causal pairs only (bottom-right aligned).</summary>
    public long AllowedPairs
    {
        get
        {
            long pairs = 0;
            for (int i = 0; i < Shape.SeqLen; i++)
                pairs += Shape.Causal ? Math.Clamp(i + Shape.KvLen - Shape.SeqLen + 1, 0, Shape.KvLen) : Shape.KvLen;
            return pairs;
        }
    }

    /// <summary>Useful FLOPs of one call: 2·D for Q·Kᵀ and 2·D for P·V per allowed pair and head.</summary>
    public double Flops => 4.0 * Shape.HeadDim * Shape.Heads * AllowedPairs;

    /// <summary>Bytes of K and V one call reads (the decode roofline's traffic).</summary>
    public double KeyValueBytes => 2.0 * sizeof(float) * Shape.KeyLength;
}

/// <summary>The shapes of Shapes.cs at run time. Causal and Layout are restated here because the generator does not
/// emit them as constants; every harness checks the generated kernel against the reference built from this
/// description, so a mismatch fails loudly.</summary>
public static class ShapeCases
{
    public static readonly ShapeCase A = new("a", "BERT-base S=T=128 H=12 D=64",
        new AttentionShape(ShapeA.SeqLen, ShapeA.Heads, ShapeA.HeadDim, ShapeA.KvLen, ShapeA.KvHeads),
        ShapeA.Forward, ShapeA.ForwardParallel);

    public static readonly ShapeCase B = new("b", "ViT-B/16 S=T=197 H=12 D=64 TokenMajor",
        new AttentionShape(ShapeB.SeqLen, ShapeB.Heads, ShapeB.HeadDim, ShapeB.KvLen, ShapeB.KvHeads, layout: AttentionLayout.TokenMajor),
        ShapeB.Forward, ShapeB.ForwardParallel);

    public static readonly ShapeCase C = new("c", "S=T=512 H=8 D=64",
        new AttentionShape(ShapeC.SeqLen, ShapeC.Heads, ShapeC.HeadDim, ShapeC.KvLen, ShapeC.KvHeads),
        ShapeC.Forward, ShapeC.ForwardParallel);

    public static readonly ShapeCase D = new("d", "decode S=1 T=2048 H=32 D=128",
        new AttentionShape(ShapeD.SeqLen, ShapeD.Heads, ShapeD.HeadDim, ShapeD.KvLen, ShapeD.KvHeads),
        ShapeD.Forward, ShapeD.ForwardParallel);

    public static readonly ShapeCase E = new("e", "small S=T=64 H=4 D=32",
        new AttentionShape(ShapeE.SeqLen, ShapeE.Heads, ShapeE.HeadDim, ShapeE.KvLen, ShapeE.KvHeads),
        ShapeE.Forward, ShapeE.ForwardParallel);

    public static readonly ShapeCase F = new("f", "S=T=1024 H=16 D=64 causal",
        new AttentionShape(ShapeF.SeqLen, ShapeF.Heads, ShapeF.HeadDim, ShapeF.KvLen, ShapeF.KvHeads, causal: true),
        ShapeF.Forward, ShapeF.ForwardParallel);

    public static readonly ShapeCase G = new("g", "GQA S=T=256 H=32/8 D=128 causal",
        new AttentionShape(ShapeG.SeqLen, ShapeG.Heads, ShapeG.HeadDim, ShapeG.KvLen, ShapeG.KvHeads, causal: true),
        ShapeG.Forward, ShapeG.ForwardParallel);

    public static readonly ShapeCase H = new("h", "cross S=77 T=257 H=8 D=64",
        new AttentionShape(ShapeH.SeqLen, ShapeH.Heads, ShapeH.HeadDim, ShapeH.KvLen, ShapeH.KvHeads),
        ShapeH.Forward, ShapeH.ForwardParallel);

    public static readonly ShapeCase[] All = [A, B, C, D, E, F, G, H];
}
