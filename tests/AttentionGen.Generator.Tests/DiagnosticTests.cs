using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>One test per kind of mistake: the right ATG id, at the offending argument or declaration (marked
/// <c>[|…|]</c> in the source), with a message that says how to fix it, and no generated source.</summary>
public class DiagnosticTests
{
    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "ATG001", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static class [|K|] { }", "partial" },
        { "ATG001", "using AttentionGen; class [|Outer|] { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } }", "partial" },
        { "ATG002", "using AttentionGen; [[|AttentionKernel(Heads = 1, HeadDim = 4)|]] static partial class K { }", "SeqLen =" },
        { "ATG002", "using AttentionGen; [[|AttentionKernel(SeqLen = 4, HeadDim = 4)|]] static partial class K { }", "Heads =" },
        { "ATG002", "using AttentionGen; [[|AttentionKernel(SeqLen = 4, Heads = 1)|]] static partial class K { }", "HeadDim =" },
        { "ATG003", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, [|HeadDim = 0|])] static partial class K { }", "positive" },
        { "ATG003", "using AttentionGen; [AttentionKernel([|SeqLen = -3|], Heads = 1, HeadDim = 4)] static partial class K { }", "positive" },
        { "ATG003", "using AttentionGen; [AttentionKernel(SeqLen = 4, [|KvLen = 0|], Heads = 1, HeadDim = 4)] static partial class K { }", "positive" },
        { "ATG004", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 6, [|KvHeads = 4|], HeadDim = 4)] static partial class K { }", "divide" },
        { "ATG004", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 2, [|KvHeads = 4|], HeadDim = 4)] static partial class K { }", "divide" },
        { "ATG005", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Scale = 0f|])] static partial class K { }", "positive finite" },
        { "ATG005", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Scale = float.NaN|])] static partial class K { }", "positive finite" },
        { "ATG005", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Scale = float.PositiveInfinity|])] static partial class K { }", "positive finite" },
        { "ATG006", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Layout = (AttentionLayout)7|])] static partial class K { }", "HeadMajor" },
        { "ATG009", "using AttentionGen; [AttentionKernel(SeqLen = 1, Heads = 1, [|HeadDim = 100000|])] static partial class K { }", "65536" },
        { "ATG007", "using AttentionGen; [[|AttentionKernel(SeqLen = 65536, KvLen = 1, Heads = 1024, HeadDim = 128)|]] static partial class K { }", "int.MaxValue" },
        { "ATG010", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Causal = true, [|Window = -2|])] static partial class K { }", "or 0 for no window" },
        { "ATG011", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Window = 2|])] static partial class K { }", "Causal = true" },
        { "ATG012", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Softcap = -50f|])] static partial class K { }", "positive finite" },
        { "ATG014", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|KvType = (AttentionKvType)3|])] static partial class K { }", "BFloat16" },
        { "ATG012", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Softcap = float.NaN|])] static partial class K { }", "positive finite" },
        { "ATG012", "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, [|Softcap = float.PositiveInfinity|])] static partial class K { }", "positive finite" },
    };

    [Fact]
    public void AWindowWiderThanTheKeysIsAWarningAndTheKernelIsStillGenerated()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(
            "using AttentionGen; [AttentionKernel(SeqLen = 4, KvLen = 8, Heads = 1, HeadDim = 4, Causal = true, Window = 8)] static partial class K { }"));
        Diagnostic warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("ATG013", DiagnosticSeverity.Warning), (warning.Id, warning.Severity));
        Assert.Single(result.GeneratedSources);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    [Theory]
    [InlineData("Window = 7, Causal = true", "Windowed => true")]
    [InlineData("Softcap = 50f", "SoftCapped => true")]
    [InlineData("Alibi = true", "Alibi => true")]
    [InlineData("Sinks = true", "Sinks => true")]
    [InlineData("Causal = true, Window = 0", "ScoreScale")]
    [InlineData("KvType = AttentionKvType.Half", "ReadOnlySpan<global::System.Half> key")]
    [InlineData("KvType = AttentionKvType.BFloat16", "ReadOnlySpan<ushort> value")]
    public void AValidVariantDrawsNoDiagnostic(string variant, string generated)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(
            $"using AttentionGen; [AttentionKernel(SeqLen = 16, Heads = 2, HeadDim = 8, {variant})] static partial class K {{ }}"));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        string source = result.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains(generated, source);
        Assert.Equal(variant.Contains("Window = 7"), source.Contains("Windowed"));
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void MistakeDrawsItsDiagnosticAtTheRightPlace(string id, string markedSource, string fixHint)
    {
        int start = markedSource.IndexOf("[|", System.StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        string source = markedSource.Replace("[|", string.Empty).Replace("|]", string.Empty);

        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
        Assert.Contains(fixHint, diagnostic.GetMessage(), System.StringComparison.Ordinal);
        Assert.EndsWith("#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri, System.StringComparison.Ordinal);
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void EveryMistakeIsReportedNotJustTheFirst()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(
            "using AttentionGen; [AttentionKernel(SeqLen = 0, Heads = 1, HeadDim = 4, Scale = -1f)] static class K { }"));
        Assert.Equal(new[] { "ATG001", "ATG003", "ATG005" }, result.Diagnostics.Select(d => d.Id).Order());
    }
}
