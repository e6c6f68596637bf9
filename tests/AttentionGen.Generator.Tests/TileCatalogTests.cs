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

    [Fact]
    public void ACommonShapeEmitsNoTilesOfItsOwn()
    {
        string generated = Generate("[AttentionGen.AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)] static partial class Bert { }");
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
