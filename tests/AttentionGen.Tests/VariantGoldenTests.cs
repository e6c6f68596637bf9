using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using AttentionGen.Reference;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The golden cases of contract version 2 that use runtime lengths, batches and the decoder variants (window, soft-cap,
/// ALiBi, sinks): rows and keys past a call's lengths hold
/// NaN in the files, so a kernel that reads them fails, and output rows past <c>queryLength</c> must keep a sentinel.
/// </summary>
public class VariantGoldenTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Golden", "Variants");

    private const float Sentinel = 12345.5f;

    private static readonly Dictionary<string, string> KernelOfCase = new()
    {
        ["prefix-minilm"] = "PrefixMiniLm", ["prefix-tokenmajor"] = "PrefixTokenMajor", ["chunk-runtime"] = "ChunkRuntime",
        ["batch-bert"] = "BatchBert", ["batch-decode"] = "BatchDecode", ["mistral-window"] = "MistralWindow",
        ["gemma2-softcap"] = "Gemma2Softcap", ["gptoss-sinks"] = "GptOssSinks", ["alibi-bloom"] = "AlibiBloom",
        ["alibi-encoder"] = "AlibiEncoder", ["hot-softcap"] = "HotSoftcap",
    };

    public sealed record VariantCase(string Name, int SeqLen, int KvLen, int Heads, int KvHeads, int HeadDim, bool Causal,
        string Layout, double Scale, int? QueryLength, int? KvLength, int[]? QueryLengths, int[]? KvLengths,
        double MaxAbsOutput, double Float32Error, Dictionary<string, string> Files, int Window = 0, float Softcap = 0,
        bool Alibi = false, bool Sinks = false, string KvType = "Float32")
    {
        public float[] Load(string tensor) =>
            MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, Files[tensor]))).ToArray();

        /// <summary>A 16-bit tensor's raw bits (half or bfloat16, by <see cref="KvType"/>).</summary>
        public ushort[] LoadBits(string tensor) =>
            MemoryMarshal.Cast<byte, ushort>(File.ReadAllBytes(Path.Combine(Folder, Files[tensor]))).ToArray();

        public double Bar => Accuracy.Bar(Float32Error, MaxAbsOutput);

        public int[] Rows => QueryLengths ?? new[] { QueryLength!.Value };

        public int[] Keys => KvLengths ?? new[] { KvLength!.Value };

        public AttentionShape Shape => new(SeqLen, Heads, HeadDim, KvLen, KvHeads, Causal, (float)Scale, Enum.Parse<AttentionLayout>(Layout),
            Window, Softcap, Alibi, Sinks);

        public float[] SinkLogits => Sinks ? Load("sinks") : [];
    }

    private static readonly Dictionary<string, VariantCase> AllCases = JsonSerializer
        .Deserialize<List<VariantCase>>(File.ReadAllText(Path.Combine(Folder, "cases.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!
        .ToDictionary(c => c.Name);

    /// <summary>The float32 cases, run here; the 16-bit ones run in <see cref="HalfCacheTests"/>.</summary>
    private static readonly Dictionary<string, VariantCase> Cases = AllCases.Values.Where(c => c.KvType == "Float32").ToDictionary(c => c.Name);

    /// <summary>The name of the test kernel compiled for case <paramref name="name"/>.</summary>
    public static string KernelOf(string name) => KernelOfCase[name];

    /// <summary>The case named <paramref name="name"/>.</summary>
    public static VariantCase Case(string name) => AllCases[name];

    public static TheoryData<string> CaseNames => new(Cases.Keys.OrderBy(n => n, StringComparer.Ordinal));

    [Fact]
    public void EveryCaseHasAKernel() => Assert.Equal(Cases.Keys.Order(), KernelOfCase.Keys.Order());

    public enum Entry { Forward, ForwardParallel, ForwardBatch }

    public static TheoryData<string, Entry> CasesAndEntries()
    {
        var data = new TheoryData<string, Entry>();
        foreach (string name in Cases.Keys.OrderBy(n => n, StringComparer.Ordinal))
        {
            foreach (Entry entry in Enum.GetValues<Entry>())
            {
                if (Cases[name].QueryLengths is null || entry == Entry.ForwardBatch)
                    data.Add(name, entry);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndEntries))]
    public void KernelMatchesGoldenOutputAndWritesOnlyTheCallsRows(string name, Entry entry)
    {
        VariantCase c = Cases[name];
        TestKernel kernel = TestKernel.All[KernelOfCase[name]];
        if (c.Sinks)
            kernel = kernel.WithSinks(c.SinkLogits);
        Assert.Equal(c.Shape, kernel.Shape);
        float[] output = new float[c.Rows.Length * kernel.Shape.OutputLength];
        output.AsSpan().Fill(Sentinel);
        if (entry == Entry.ForwardBatch)
            kernel.ForwardBatch(c.Load("query"), c.Load("key"), c.Load("value"), output, c.Rows, c.Keys);
        else
            (entry == Entry.Forward ? kernel.ForwardLengths : kernel.ForwardParallelLengths)(c.Load("query"), c.Load("key"), c.Load("value"), output, c.Rows[0], c.Keys[0]);

        float[] expected = c.Load("output");
        for (int n = 0; n < output.Length; n++)
        {
            if (float.IsNaN(expected[n]))
                Assert.True(output[n] == Sentinel, $"{name}: element {n}, past its item's queryLength, was written ({output[n]})");
            else
                Assert.True(Math.Abs(output[n] - expected[n]) <= c.Bar, $"{name} on {kernel.ActivePath}: element {n} is {output[n]}, expected {expected[n]} (bar {c.Bar:E3})");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReferenceMatchesGoldenOutput(string name)
    {
        VariantCase c = Cases[name];
        AttentionShape s = c.Shape;
        float[] output = new float[c.Rows.Length * s.OutputLength];
        output.AsSpan().Fill(Sentinel);
        AttentionReference.ForwardBatch(s, c.Load("query"), c.Load("key"), c.Load("value"), output, c.Rows, c.Keys, c.SinkLogits);
        float[] expected = c.Load("output");
        for (int n = 0; n < output.Length; n++)
            Assert.True(float.IsNaN(expected[n]) ? output[n] == Sentinel : Math.Abs(output[n] - expected[n]) <= c.Bar, $"{name}: element {n}");
    }
}
