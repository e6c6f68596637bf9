using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AttentionGen.Generator.Emitting;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>The runtime library's tile catalogue is the generator's rendering of it, and kernels call it.</summary>
public class TileCatalogTests
{
    private static string RuntimeFile([CallerFilePath] string testFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(testFile)!, "../../src/AttentionGen/Kernels/TileCatalog.g.cs"));

    /// <summary>With <c>ATTENTIONGEN_ACCEPT_SNAPSHOTS=1</c> a stale file is rewritten instead.</summary>
    [Fact]
    public void RuntimeCatalogueIsTheGeneratorsRendering()
    {
        string rendered = TileCatalog.Render(), file = RuntimeFile();
        string current = File.Exists(file) ? File.ReadAllText(file).Replace("\r\n", "\n") : string.Empty;
        if (current == rendered)
            return;
        if (Environment.GetEnvironmentVariable("ATTENTIONGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(file, rendered);
            return;
        }

        Assert.Fail($"{file} is not the generator's TileCatalog.Render(); rerun with ATTENTIONGEN_ACCEPT_SNAPSHOTS=1 to rewrite it.");
    }

    /// <summary>The generated source of <paramref name="source"/>, which must compile cleanly.</summary>
    private static string Generate(string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(GeneratorHarness.Errors(output));
        return result.GeneratedSources.Single().SourceText.ToString();
    }

    /// <summary>The benchmark shapes a–h.</summary>
    [Theory]
    [InlineData("SeqLen = 128, Heads = 12, HeadDim = 64")]
    [InlineData("SeqLen = 197, Heads = 12, HeadDim = 64, Layout = AttentionGen.AttentionLayout.TokenMajor")]
    [InlineData("SeqLen = 512, Heads = 8, HeadDim = 64")]
    [InlineData("SeqLen = 1, KvLen = 2048, Heads = 32, HeadDim = 128")]
    [InlineData("SeqLen = 64, Heads = 4, HeadDim = 32")]
    [InlineData("SeqLen = 1024, Heads = 16, HeadDim = 64, Causal = true")]
    [InlineData("SeqLen = 256, Heads = 32, KvHeads = 8, HeadDim = 128, Causal = true")]
    [InlineData("SeqLen = 77, KvLen = 257, Heads = 8, HeadDim = 64")]
    public void ACommonShapeEmitsNoTilesOfItsOwn(string arguments)
    {
        string generated = Generate($"[AttentionGen.AttentionKernel({arguments})] static partial class Common {{ }}");
        Assert.Contains("TileCatalog.Scores", generated);
        Assert.DoesNotContain("LocalTiles", generated);
    }

    [Fact]
    public void AnUncommonShapeEmitsTheTilesTheCatalogueLacks()
    {
        string generated = Generate("[AttentionGen.AttentionKernel(SeqLen = 40, Heads = 2, HeadDim = 5)] static partial class Odd { }");
        Assert.Contains("private static class LocalTiles", generated);
        string[] localTiles = generated.Split('\n').Where(line => line.Contains("LocalTiles.")).ToArray();
        Assert.NotEmpty(localTiles);
    }
}
