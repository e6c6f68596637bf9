using System;
using System.Collections.Immutable;
using System.Linq;
using AttentionGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AttentionGen.Generator.Tests;

/// <summary>Runs the generator over in-memory sources, the way the compiler does.</summary>
public static class GeneratorHarness
{
    private static readonly MetadataReference Runtime =
        MetadataReference.CreateFromFile(typeof(AttentionKernelAttribute).Assembly.Location);

    /// <summary>The runtime library's net8.0 build, copied beside the tests by the project file.</summary>
    private static readonly MetadataReference RuntimeNet8 = MetadataReference.CreateFromFile(
        System.IO.Path.Combine(AppContext.BaseDirectory, "net8", "AttentionGen.dll"));

    public static CSharpCompilation Compile(string source, bool net8 = false, bool allowUnsafe = true, params string[] moreSources) =>
        CSharpCompilation.Create("Consumer",
            new[] { source }.Concat(moreSources).Select((s, i) => CSharpSyntaxTree.ParseText(s,
                new CSharpParseOptions(LanguageVersion.Latest), path: $"Source{i}.cs")),
            (net8 ? Basic.Reference.Assemblies.Net80.References.All : Basic.Reference.Assemblies.Net100.References.All)
                .Append(net8 ? RuntimeNet8 : Runtime),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe,
                nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(new[] { new AttentionKernelGenerator().AsSourceGenerator() },
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackSteps));

    /// <summary>Runs the generator; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null)
            throw new InvalidOperationException("The generator threw", result.Exception);
        return (result, output);
    }

    public static ImmutableArray<Diagnostic> Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
}
