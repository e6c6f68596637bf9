using System;
using System.Linq;
using AttentionGen;
using AttentionGen.Reference;

// Declares kernels for three real model shapes, runs them and checks them against the float64 reference.
// Usage: PackageConsumer [--expect-path Avx512|Avx2|Neon|Scalar]
string? expectedPath = args.SkipWhile(a => a != "--expect-path").Skip(1).FirstOrDefault();
Console.WriteLine($"AttentionGen package consumer: code path {Encoder.ActivePath}");
if (expectedPath is not null && Encoder.ActivePath.ToString() != expectedPath)
{
    Console.WriteLine($"FAIL: expected the {expectedPath} path");
    return 2;
}

bool ok = true;
ok &= Check("encoder (MiniLM)", new AttentionShape(128, 12, 64), Encoder.KvLen,
    (q, k, v, o, n) => Encoder.Forward(q, k, v, o, n));
ok &= Check("ViT-B/16", new AttentionShape(197, 12, 64, layout: AttentionLayout.TokenMajor), VisionTransformer.KvLen,
    (q, k, v, o, n) => VisionTransformer.Forward(q, k, v, o, n));
// A decode loop against a growing KV cache: one new token attends all cached positions so far.
foreach (int cached in new[] { 1, 17, 500, 1024 })
{
    ok &= Check($"decode step, GQA, {cached} cached", new AttentionShape(1, 32, 128, 1024, 8, true, layout: AttentionLayout.TokenMajor),
        cached, (q, k, v, o, n) => DecodeStep.Forward(q, k, v, o, n));
}

Console.WriteLine(ok ? "PASS: every kernel matches the reference." : "FAIL");
return ok ? 0 : 1;

static bool Check(string name, AttentionShape shape, int kvLength, Kernel kernel)
{
    var random = new Random(7);
    float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    float[] q = Random(shape.QueryLength), k = Random(shape.KeyLength), v = Random(shape.ValueLength);
    float[] output = new float[shape.OutputLength];
    kernel(q, k, v, output, kvLength);
    double[] expected = AttentionReference.ForwardExact(shape, q, k, v, kvLength);
    double error = expected.Select((x, i) => Math.Abs(x - output[i])).Max();
    bool pass = error <= 4e-6 * Math.Max(1, expected.Max(Math.Abs));
    Console.WriteLine($"  {name,-34} max error {error:E2} {(pass ? "ok" : "TOO LARGE")}");
    return pass;
}

delegate void Kernel(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o, int kvLength);

[AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
static partial class Encoder { }

[AttentionKernel(SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionLayout.TokenMajor)]
static partial class VisionTransformer { }

[AttentionKernel(SeqLen = 1, KvLen = 1024, Heads = 32, KvHeads = 8, HeadDim = 128, Causal = true, Layout = AttentionLayout.TokenMajor)]
static partial class DecodeStep { }
