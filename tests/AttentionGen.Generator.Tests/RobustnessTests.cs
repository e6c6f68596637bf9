using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>Whatever the user types, the generator reports or generates; it never throws (no CS8785).</summary>
public class RobustnessTests
{
    public static TheoryData<string> Malformed => new()
    {
        "using AttentionGen; [AttentionKernel(SeqLen = ",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class",
        "using AttentionGen; [AttentionKernel(SeqLen = \"four\", Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, SeqLen = 5, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)][AttentionKernel(SeqLen = 5, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(4, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = int.MaxValue, Heads = int.MaxValue, HeadDim = int.MaxValue)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = Missing.Value, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Layout = (AttentionLayout)(-1))] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 0, KvHeads = 0, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] partial struct S { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] partial interface I { }",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedDeclarationNeverCrashesTheGenerator(string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "ATG000");
        // The mistake is reported (by an ATG diagnostic or the compiler), and whatever was generated compiles.
        Assert.True(result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || !GeneratorHarness.Errors(output).IsEmpty
            || output.GetDiagnostics(TestContext.Current.CancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error), "the mistake went unreported");
        Assert.DoesNotContain(GeneratorHarness.Errors(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
    }

    [Theory]
    [InlineData("Plan")]
    [InlineData("Render")]
    public void AnUnexpectedExceptionBecomesATG000AtTheAttribute(string step)
    {
        const string source = "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class Faulty { }";
        // The hook is static: it throws only for this test's kernel, so tests running beside it are unaffected.
        AttentionKernelGenerator.FaultInjection = (spec, at) =>
        {
            if (spec.Kernel.Name == "Faulty" && at == step)
                throw new System.InvalidOperationException("planted fault");
        };
        try
        {
            var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
            Assert.Null(result.Exception);
            Assert.Empty(result.GeneratedSources);
            Diagnostic error = Assert.Single(result.Diagnostics);
            Assert.Equal("ATG000", error.Id);
            Assert.Contains("planted fault", error.GetMessage());
            Assert.StartsWith("AttentionKernel(", source.Substring(error.Location.SourceSpan.Start));
        }
        finally
        {
            AttentionKernelGenerator.FaultInjection = null;
        }
    }

    public static TheoryData<string> Unusual => new()
    {
        "namespace A.B { public partial class Outer<T> { [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] internal static partial class K { } } }",
        "namespace A; public partial record Outer { [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] private sealed partial class K { } }",
        "namespace A; public partial struct Outer { [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] public partial record K { } }",
        "using Kernel = AttentionGen.AttentionKernelAttribute; [Kernel(SeqLen = 3, Heads = 2, HeadDim = 5)] sealed partial class K { }",
        "using AttentionGen; static class C { public const int S = 6; } [AttentionKernel(SeqLen = C.S * 2, Heads = 1 + 1, HeadDim = sizeof(int), Scale = 1 / 3f)] partial class K { }",
        "namespace Generic; [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] public partial class K<T> where T : struct { }",
    };

    [Theory]
    [MemberData(nameof(Unusual))]
    public void UnusualValidDeclarationCompiles(string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources);
        Assert.Empty(GeneratorHarness.Errors(output));
    }
}
