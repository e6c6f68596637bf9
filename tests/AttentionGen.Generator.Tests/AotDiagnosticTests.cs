using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using AttentionGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>ATG008: a NativeAOT build for the x86-64 baseline would run every kernel on its scalar path.</summary>
public class AotDiagnosticTests
{
    private const string Kernel = "[AttentionGen.AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)] static partial class K { }";

    [Theory]
    [InlineData("true", "", "linux-x64", true)]
    [InlineData("true", "x86-64-v2", "linux-x64", true)]
    [InlineData("true", "native", "linux-x64", false)]
    [InlineData("true", "x86-64-v3", "", false)]
    [InlineData("true", "avx2,bmi,fma", "", false)]
    [InlineData("true", "", "linux-arm64", false)]
    [InlineData("false", "", "linux-x64", false)]
    [InlineData("", "", "", false)]
    public void WarnsOnlyWhenNativeAotPinsTheBaseline(string publishAot, string instructionSet, string rid, bool warns)
    {
        var options = new Options(new Dictionary<string, string>
        {
            ["build_property.PublishAot"] = publishAot,
            ["build_property.IlcInstructionSet"] = instructionSet,
            ["build_property.RuntimeIdentifier"] = rid,
        });
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new AttentionKernelGenerator().AsSourceGenerator() }, optionsProvider: options);
        GeneratorRunResult result = driver
            .RunGenerators(GeneratorHarness.Compile(Kernel), TestContext.Current.CancellationToken)
            .GetRunResult().Results.Single();

        Diagnostic? diagnostic = result.Diagnostics.SingleOrDefault(d => d.Id == "ATG008");
        Assert.Equal(warns, diagnostic is not null);
        if (diagnostic is not null)
        {
            Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
            Assert.Contains("<IlcInstructionSet>native</IlcInstructionSet>", diagnostic.GetMessage());
        }
    }

    private sealed class Options(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(new());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Values(new());

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) =>
                values.TryGetValue(key, out value);
        }
    }
}
