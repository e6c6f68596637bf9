using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>The full generated source of representative declarations, and proof that it compiles cleanly.</summary>
public class SnapshotTests
{
    public static TheoryData<string, string> Declarations => new()
    {
        {
            "MiniLm",
            """
            using AttentionGen;
            namespace Models;
            [AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
            public static partial class MiniLmAttention { }
            """
        },
        {
            "GqaCausalTokenMajorNested",
            """
            using AttentionGen;
            namespace Models.Llama
            {
                public partial class Decoder
                {
                    [AttentionKernel(SeqLen = 16, KvLen = 512, Heads = 32, KvHeads = 8, HeadDim = 80, Causal = true,
                        Scale = 0.1f, Layout = AttentionLayout.TokenMajor)]
                    internal static partial class Prefill { }
                }
            }
            """
        },
        {
            "DecodeGlobalNamespace",
            """
            [AttentionGen.AttentionKernel(SeqLen = 1, KvLen = 2048, Heads = 8, KvHeads = 1, HeadDim = 9)]
            static partial class DecodeStep { }
            """
        },
        {
            "DecodeSplitKeys",
            """
            using AttentionGen;
            namespace Models;
            // One query row, two key/value heads: the row strategy, keys split into ranges (split-KV).
            [AttentionKernel(SeqLen = 1, KvLen = 4096, Heads = 2, HeadDim = 64)]
            public static partial class DecodeTwoHeads { }
            """
        },
        {
            "VitTokenMajor",
            """
            using AttentionGen;
            namespace Models;
            // 197 rows (a narrow last panel) in TokenMajor: each head's K and V rows packed once per worker.
            [AttentionKernel(SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionLayout.TokenMajor)]
            public static partial class VitAttention { }
            """
        },
        {
            "DecoderVariants",
            """
            using AttentionGen;
            namespace Models;
            // A gpt-oss-like layer with every decoder variant: window, soft-cap, ALiBi and sinks (an argument of every Forward).
            [AttentionKernel(SeqLen = 64, KvLen = 256, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, Window = 128,
                Softcap = 50f, Alibi = true, Sinks = true, Layout = AttentionLayout.TokenMajor)]
            public static partial class DecoderLayer { }
            """
        },
        {
            "HalfCache",
            """
            using AttentionGen;
            namespace Models;
            // A Half key/value cache: prefill panels convert each head's rows to float32 as they pack them.
            [AttentionKernel(SeqLen = 64, KvLen = 512, Heads = 8, KvHeads = 2, HeadDim = 64, Causal = true, KvType = AttentionKvType.Half)]
            public static partial class HalfCachePrefill { }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedSourceMatchesSnapshot(string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Snapshot.Verify(name, result.GeneratedSources.Single().SourceText.ToString());
    }

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedLinesFitIn160Characters(string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        string[] lines = result.GeneratedSources.Single().SourceText.ToString().Split('\n');
        string? longest = lines.OrderByDescending(line => line.Length).First();
        Assert.True(longest.Length <= 160, $"{name}: a line of {longest.Length} characters: {longest}");
    }

    [Fact]
    public void GeneratedSourceCompilesForNet8WithoutUnsafeCode()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(
            "[AttentionGen.AttentionKernel(SeqLen = 7, Heads = 2, HeadDim = 5, Causal = true)] static partial class K { }",
            net8: true, allowUnsafe: false));
        Assert.Empty(GeneratorHarness.Errors(output));
        string text = result.GeneratedSources.Single().SourceText.ToString();
        Assert.DoesNotContain("SkipLocalsInit", text); // the runtime's drivers own the scratch
        Assert.Contains("private readonly struct Avx512Path : IRowPath", text); // 7 rows: under half a vector
        Assert.Contains("private readonly struct NeonPath : IPanelPath", text);
    }

    [Fact]
    public void GeneratedFileHasTheStandardMarkers()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(
            "[AttentionGen.AttentionKernel(SeqLen = 7, Heads = 2, HeadDim = 5)] static partial class K { }"));
        string text = result.GeneratedSources.Single().SourceText.ToString();
        Assert.StartsWith("// <auto-generated/>", text);
        Assert.Contains("#nullable enable", text);
        Assert.Contains("[global::System.CodeDom.Compiler.GeneratedCode(\"AttentionGen.Generator\"", text);
        Assert.Contains("FLOPs per call", text);
        Assert.Contains("/// <summary>", text);
    }
}
