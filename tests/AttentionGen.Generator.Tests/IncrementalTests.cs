using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Steps = AttentionGen.Generator.AttentionKernelGenerator.Steps;

namespace AttentionGen.Generator.Tests;

/// <summary>The pipeline caches: an unrelated edit reruns nothing; an edit to a kernel reruns only that kernel.</summary>
public class IncrementalTests
{
    private const string Kernels = """
        using AttentionGen;
        namespace App;
        [AttentionKernel(SeqLen = 8, Heads = 2, HeadDim = 16)]
        public static partial class First { }
        [AttentionKernel(SeqLen = 4, KvLen = 32, Heads = 4, KvHeads = 2, HeadDim = 8, Causal = true)]
        public static partial class Second { }
        """;

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(run => run.Outputs).Select(output => output.Reason);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Kernels, moreSources: "namespace App; class Other { int X => 1; }");
        return (GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation), compilation);
    }

    [Fact]
    public void UnrelatedEditLeavesEveryStepCached()
    {
        var (driver, compilation) = FirstRun();
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("namespace App; class Other { int X => 2; int Y => 3; }")));

        GeneratorRunResult result = driver.RunGenerators(edited, Xunit.TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        foreach (string step in new[] { Steps.Parse, Steps.Plan, Steps.Render })
        {
            Assert.NotEmpty(Reasons(result, step));
            Assert.All(Reasons(result, step), reason =>
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }

        Assert.All(Reasons(result, Steps.Target), reason => Assert.Equal(IncrementalStepRunReason.Unchanged, reason));
    }

    [Fact]
    public void EditingOneKernelRerendersOnlyThatKernel()
    {
        var (driver, compilation) = FirstRun();
        SyntaxTree kernels = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(kernels,
            kernels.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Kernels.Replace("SeqLen = 8", "SeqLen = 9"))));

        GeneratorRunResult result = driver.RunGenerators(edited, Xunit.TestContext.Current.CancellationToken).GetRunResult().Results.Single();

        IncrementalStepRunReason[] render = Reasons(result, Steps.Render).ToArray();
        Assert.Equal(1, render.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, render.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("SeqLen = 9;", result.GeneratedSources.Single(s => s.HintName.StartsWith("App.First")).SourceText.ToString());
    }
}
