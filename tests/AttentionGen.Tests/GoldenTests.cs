using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using AttentionGen.Reference;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>Every golden case (an independent float64 implementation) against its generated kernel and the reference.</summary>
public class GoldenTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Golden");

    private static readonly Dictionary<string, string> KernelOfCase = new()
    {
        ["seed-toy"] = "SeedToy", ["minilm-128"] = "MiniLm128", ["vit-197"] = "Vit197",
        ["decode-1024"] = "Decode1024", ["causal-256"] = "Causal256", ["gqa-llama"] = "GqaLlama",
        ["cross-77x257"] = "Cross77x257", ["chunked-prefill"] = "ChunkedPrefill", ["hot-logits"] = "HotLogits",
        ["phi-d80"] = "PhiD80",
    };

    public sealed record GoldenCase(string Name, int SeqLen, int KvLen, int Heads, int KvHeads, int HeadDim, bool Causal,
        string Layout, double Scale, int KvLength, double MaxAbsOutput, double Float32Error, Dictionary<string, string> Files)
    {
        public float[] Load(string tensor) =>
            MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, Files[tensor]))).ToArray();

        public double Bar => Accuracy.Bar(Float32Error, MaxAbsOutput);
    }

    private static readonly Dictionary<string, GoldenCase> Cases = JsonSerializer
        .Deserialize<List<GoldenCase>>(File.ReadAllText(Path.Combine(Folder, "cases.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!
        .ToDictionary(c => c.Name);

    public static TheoryData<string> CaseNames => new(Cases.Keys.OrderBy(n => n, StringComparer.Ordinal));

    [Fact]
    public void EveryCaseHasAKernel() => Assert.Equal(Cases.Keys.Order(), KernelOfCase.Keys.Order());

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void KernelMatchesGoldenOutput(string name)
    {
        GoldenCase c = Cases[name];
        TestKernel kernel = TestKernel.All[KernelOfCase[name]];
        Assert.Equal((c.SeqLen, c.KvLen, c.Heads, c.KvHeads, c.HeadDim, c.Causal, c.Layout),
            (kernel.Shape.SeqLen, kernel.Shape.KvLen, kernel.Shape.Heads, kernel.Shape.KvHeads, kernel.Shape.HeadDim,
                kernel.Shape.Causal, kernel.Shape.Layout.ToString()));
        Assert.Equal((float)c.Scale, kernel.Shape.Scale);

        float[] expected = c.Load("output");
        foreach (bool parallel in new[] { false, true })
        {
            float[] output = new float[kernel.Shape.OutputLength];
            (parallel ? kernel.ForwardParallel : kernel.Forward)(c.Load("query"), c.Load("key"), c.Load("value"), output, c.KvLength);
            double error = Accuracy.MaxAbsError(output, expected.Select(x => (double)x).ToArray());
            Assert.True(error <= c.Bar, $"{name} on {kernel.ActivePath} (parallel: {parallel}): error {error:E3} > bar {c.Bar:E3}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReferenceMatchesGoldenOutput(string name)
    {
        GoldenCase c = Cases[name];
        var shape = new AttentionShape(c.SeqLen, c.Heads, c.HeadDim, c.KvLen, c.KvHeads, c.Causal, (float)c.Scale,
            Enum.Parse<AttentionLayout>(c.Layout));
        double[] reference = AttentionReference.ForwardExact(shape, c.Load("query"), c.Load("key"), c.Load("value"), c.KvLength);
        double error = Accuracy.MaxAbsError(c.Load("output"), reference);
        Assert.True(error <= c.Bar, $"reference differs from {name} by {error:E3}");
    }
}
