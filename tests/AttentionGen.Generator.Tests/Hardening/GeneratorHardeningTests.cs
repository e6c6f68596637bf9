using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AttentionGen.Generator.Tests.Hardening;

/// <summary>
/// "The generator never throws: a malformed declaration gets a diagnostic, never a crash (CS8785)", and a valid one
/// gets code that compiles. Source as typed mid-edit (every prefix of a multi-kernel file, and every one-character
/// deletion from it), unusual but valid declarations, extreme and overflowing dimensions, duplicate attributes.
/// </summary>
public class GeneratorHardeningTests
{
    /// <summary>A valid file with several kernels and most of the syntax a declaration can use.</summary>
    private const string ValidSource = """
        using AttentionGen;
        using Layout = AttentionGen.AttentionLayout;
        namespace App.Models
        {
            internal static class Dims { public const int S = 8; public const float Scale = 0.25f; }

            [AttentionKernel(SeqLen = Dims.S, KvLen = 2 * Dims.S, Heads = 4, KvHeads = 2, HeadDim = 8, Causal = true,
                Scale = Dims.Scale, Layout = Layout.TokenMajor)]
            public static partial class First { }

            public partial class Outer<T> where T : struct
            {
                [AttentionKernel(SeqLen = 1, KvLen = 64, Heads = 2, HeadDim = 5)]
                internal sealed partial class Second { }
            }

            [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 1, HeadDim = 4)]
            public partial record Third;
        }
        """;

    private static readonly string[] CrashIds = { "CS8785", "AD0001", "ATG000" };

    private static (GeneratorRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics) Run(
        CSharpCompilation compilation)
    {
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output,
            out ImmutableArray<Diagnostic> diagnostics);
        return (driver.GetRunResult().Results.Single(), output, diagnostics);
    }

    /// <summary>No exception and no crash diagnostic (CS8785 from the driver, AD0001, or the generator's own ATG000);
    /// with <paramref name="parses"/>, also every generated file parses without a syntax error.</summary>
    private static void AssertHandled(GeneratorRunResult result, ImmutableArray<Diagnostic> driverDiagnostics, string context,
        bool parses = true)
    {
        Assert.True(result.Exception is null, $"{context}\nthe generator threw: {result.Exception}");
        Diagnostic? crash = driverDiagnostics.Concat(result.Diagnostics).FirstOrDefault(d => CrashIds.Contains(d.Id));
        Assert.True(crash is null, $"{context}\n{crash}");
        if (parses)
            AssertGeneratedCodeParses(result, context);
    }

    private static void AssertGeneratedCodeParses(GeneratorRunResult result, string context)
    {
        foreach (GeneratedSourceResult generated in result.GeneratedSources)
        {
            Diagnostic? syntax = generated.SyntaxTree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            Assert.True(syntax is null, $"{context}\ngenerated '{generated.HintName}' does not parse: {syntax}\n" +
                string.Join("\n", generated.SourceText.Lines.Skip(Math.Max(0, (syntax?.Location.GetLineSpan().StartLinePosition.Line ?? 0) - 1)).Take(3)));
        }
    }

    private static string Describe(string source) => source.Length <= 160 ? source : "…" + source[^160..];

    [Fact]
    public void TheValidSourceCompilesCleanly()
    {
        var (result, output, diagnostics) = Run(GeneratorHarness.Compile(ValidSource));
        AssertHandled(result, diagnostics, "full source");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(3, result.GeneratedSources.Length);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    /// <summary>Every prefix, as an editor feeds them to the generator while the file is typed: one incremental driver
    /// over successive versions of the same tree. No crash.</summary>
    [Fact]
    public void EveryPrefixAsTypedNeverCrashesTheGenerator() => TypeEveryPrefix(parses: false);

    /// <summary>The same, and whatever the generator emits for a half-typed declaration parses: a declaration whose
    /// name (or a containing type's or namespace's) is still missing gets no code rather than code with syntax errors
    /// on top of the user's own.</summary>
    [Fact]
    public void EveryPrefixAsTypedGetsGeneratedCodeThatParses() => TypeEveryPrefix(parses: true);

    private static void TypeEveryPrefix(bool parses)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(string.Empty);
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        for (int length = 0; length <= ValidSource.Length; length++)
        {
            SyntaxTree next = tree.WithChangedText(SourceText.From(ValidSource[..length]));
            compilation = compilation.ReplaceSyntaxTree(tree, next);
            tree = next;
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics,
                TestContext.Current.CancellationToken);
            AssertHandled(driver.GetRunResult().Results.Single(), diagnostics, $"prefix of {length} characters: {Describe(ValidSource[..length])}", parses);
        }
    }

    /// <summary>Every third prefix again, each in a fresh compilation and driver (no incremental state). No crash.</summary>
    [Fact]
    public void EveryPrefixFromScratchNeverCrashesTheGenerator()
    {
        for (int length = 0; length <= ValidSource.Length; length += 3)
        {
            var (result, _, diagnostics) = Run(GeneratorHarness.Compile(ValidSource[..length]));
            AssertHandled(result, diagnostics, $"prefix of {length} characters: {Describe(ValidSource[..length])}", parses: false);
        }
    }

    /// <summary>Every one-character deletion: a lost comma, brace, digit, letter of a name or keyword.</summary>
    [Fact]
    public void EveryOneCharacterDeletionNeverCrashesTheGenerator()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(ValidSource);
        GeneratorDriver driver = GeneratorHarness.Driver();
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        for (int at = 0; at < ValidSource.Length; at++)
        {
            if (char.IsWhiteSpace(ValidSource[at]))
                continue;
            string edited = ValidSource.Remove(at, 1);
            SyntaxTree next = tree.WithChangedText(SourceText.From(edited));
            compilation = compilation.ReplaceSyntaxTree(tree, next);
            tree = next;
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics,
                TestContext.Current.CancellationToken);
            int line = ValidSource[..at].Count(c => c == '\n') + 1;
            AssertHandled(driver.GetRunResult().Results.Single(), diagnostics,
                $"'{ValidSource[at]}' deleted at line {line}: {ValidSource.Split('\n')[line - 1].Trim()}", parses: false);
        }
    }

    public static TheoryData<string, int, string[]> UnusualValid => new()
    {
        { "file-scoped namespace, sealed instance class", 1,
            ["namespace A.B.C; [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] public sealed partial class K { }"] },
        { "global namespace, nested in a static class", 1,
            ["public static partial class Outer { [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 2, HeadDim = 5)] public static partial class K { } }"] },
        { "nested in generic record, struct and interface", 1,
            ["namespace N { public partial record R<T> { public partial struct S<U> where U : unmanaged { public partial interface I<V> { " +
             "[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] public static partial class K { } } } } }"] },
        { "nested in a record struct", 1,
            ["namespace N; public partial record struct P { [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] internal static partial class K { } }"] },
        { "abstract kernel class", 1,
            ["[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] public abstract partial class K { }"] },
        { "positional record class", 1,
            ["[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] public sealed partial record class K(int X);"] },
        { "const expressions and using aliases", 1,
            ["using Kernel = AttentionGen.AttentionKernelAttribute; using L = AttentionGen.AttentionLayout; " +
             "static class C { public const int S = 6; public const bool Causal = S > 4; public const float Scale = (float)(1.0 / 8); } " +
             "[Kernel(SeqLen = C.S * 2 - 1, KvLen = (int)2.9e1, Heads = sizeof(short), KvHeads = 1 << 0, HeadDim = 'A' - 60, " +
             "Causal = C.Causal, Scale = C.Scale, Layout = (L)1)] partial class K { }"] },
        { "alias-qualified names (AG::)", 1,
            ["using AG = AttentionGen; [AG::AttentionKernel(SeqLen = 4, Heads = 2, HeadDim = 3, Layout = AG::AttentionLayout.TokenMajor)] static partial class K { }"] },
        { "global using in another file", 1,
            ["[AttentionKernel(SeqLen = 4, Heads = 2, HeadDim = 3)] static partial class K { }", "global using AttentionGen;"] },
        { "global:: attribute name", 1,
            ["[global::AttentionGen.AttentionKernelAttribute(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class K { }"] },
        { "same kernel name in two namespaces", 2,
            ["namespace A { [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class K { } } " +
             "namespace B { [AttentionGen.AttentionKernel(SeqLen = 3, Heads = 1, HeadDim = 3)] static partial class K { } }"] },
        { "user types named like BCL types the generated code uses", 1,
            ["namespace App { class Math { } class Span<T> { } class ReadOnlySpan<T> { } class Unsafe { } class MemoryMarshal { } class Vector512<T> { } " +
             "class KernelPath { } class MethodImplAttribute : System.Attribute { } class SkipLocalsInitAttribute : System.Attribute { } " +
             "[AttentionGen.AttentionKernel(SeqLen = 20, Heads = 2, HeadDim = 5, Causal = true)] static partial class K { } }"] },
        { "kernel split over two files, attribute on one part", 1,
            ["namespace App; [AttentionGen.AttentionKernel(SeqLen = 5, Heads = 1, HeadDim = 6)] public static partial class K { }",
             "namespace App; public static partial class K { public static int Extra => SeqLen + 1; }"] },
        { "Unicode identifiers", 1,
            ["namespace Модели; [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] public static partial class Внимание { }"] },
        { "kernel named Work", 1, ["[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class Work { }"] },
        { "kernel named Scalar", 1, ["namespace App; [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class Scalar { }"] },
        { "kernel named Avx512", 1, ["namespace App; [AttentionGen.AttentionKernel(SeqLen = 40, Heads = 1, HeadDim = 3)] static partial class Avx512 { }"] },
        { "kernel named Neon", 1, ["namespace App; [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class Neon { }"] },
        { "verbatim keyword identifiers", 1,
            ["namespace @namespace.@class { public partial class @record { [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] " +
             "public static partial class @event { } } }"] },
        { "generic and non-generic kernels of the same name", 2,
            ["namespace App; [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class K { } " +
             "[AttentionGen.AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 3)] static partial class K<T> { }"] },
        { "same kernel name nested in a generic and a non-generic outer class", 2,
            ["namespace App; partial class Outer { [AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3)] static partial class K { } } " +
             "partial class Outer<T> { [AttentionGen.AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 3)] static partial class K { } }"] },
        { "smallest and largest positive scales", 2,
            ["[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3, Scale = float.Epsilon)] static partial class Tiny { } " +
             "[AttentionGen.AttentionKernel(SeqLen = 2, Heads = 1, HeadDim = 3, Scale = float.MaxValue)] static partial class Huge { }"] },
    };

    [Theory]
    [MemberData(nameof(UnusualValid))]
    public void UnusualValidDeclarationGeneratesCodeThatCompiles(string what, int kernels, string[] sources)
    {
        var (result, output, diagnostics) = Run(GeneratorHarness.Compile(sources[0], moreSources: sources[1..]));
        AssertHandled(result, diagnostics, what);
        Assert.True(result.Diagnostics.IsEmpty, $"{what}: " + string.Join("; ", result.Diagnostics));
        Assert.Equal(kernels, result.GeneratedSources.Length);
        var errors = GeneratorHarness.Errors(output);
        Assert.True(errors.IsEmpty, $"{what}: the generated code does not compile:\n" + string.Join("\n", errors.Take(8)));
    }

    [Theory]
    [InlineData(0.125f)]
    [InlineData(float.Epsilon)]
    [InlineData(1e30f)]
    [InlineData(float.MaxValue / 1.4426950408889634f)]
    [InlineData(float.MaxValue)]
    public void ScoreScaleIsScaleTimesLog2EAndStaysFinite(float scale)
    {
        float scoreScale = Emitting.KernelEmitter.ScoreScale(scale);
        Assert.True(float.IsFinite(scoreScale), $"{scale:R} gives {scoreScale:R}");
        Assert.Equal(Math.Min(scale * 1.4426950408889634, float.MaxValue), scoreScale, Math.Max(scale * 1e-7, float.Epsilon)); // one rounding
    }

    /// <summary>Attribute arguments at and past the limits: the declaration draws an ATG diagnostic or a compiler error of
    /// its own, or else the generated code compiles. Never a crash.</summary>
    public static TheoryData<string> ExtremeDimensions => new()
    {
        "SeqLen = int.MaxValue, Heads = 1, HeadDim = 1",
        "SeqLen = 1, KvLen = int.MaxValue, Heads = 1, HeadDim = 1",
        "SeqLen = 1, Heads = 1, HeadDim = int.MaxValue",
        "SeqLen = 1, Heads = int.MaxValue, HeadDim = 1",
        "SeqLen = 1 << 26, Heads = 1, HeadDim = 16, Causal = true",
        "SeqLen = 1_073_741_823, Heads = 2, KvHeads = 1, HeadDim = 1",
        "SeqLen = 46340, Heads = 1, HeadDim = 46340",
        "SeqLen = 2097152, Heads = 2097152, HeadDim = 4194304",
        "SeqLen = 2097152, Heads = 2097152, HeadDim = 6291456",
        "SeqLen = 1, KvLen = 4194304, Heads = 2097152, KvHeads = 2097152, HeadDim = 2097152",
        "SeqLen = int.MaxValue + 1, Heads = 1, HeadDim = 1",
        "SeqLen = unchecked(int.MaxValue + 1), Heads = 1, HeadDim = 1",
        "SeqLen = 4, Heads = 1, HeadDim = (int)3e9",
        "SeqLen = 4, Heads = 1, HeadDim = 4, KvHeads = int.MinValue",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Scale = 1e-46f",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Scale = -0f",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Scale = (float)double.MaxValue",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Scale = 1e39f",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Layout = (AttentionLayout)int.MaxValue",
        "SeqLen = 4, Heads = 1, HeadDim = 4, Causal = (bool)(object)true",
    };

    [Theory]
    [MemberData(nameof(ExtremeDimensions))]
    public void ExtremeDimensionsGetADiagnosticOrCompilableCode(string arguments)
    {
        string source = $"using AttentionGen; [AttentionKernel({arguments})] static partial class K {{ }}";
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        bool userError = compilation.GetDiagnostics(TestContext.Current.CancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error);
        var (result, output, diagnostics) = Run(compilation);
        AssertHandled(result, diagnostics, arguments);
        if (userError || result.Diagnostics.Any(d => d.Id.StartsWith("ATG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Empty(result.GeneratedSources);
            return;
        }

        Assert.Single(result.GeneratedSources);
        var errors = GeneratorHarness.Errors(output);
        string lengths = string.Join(", ", result.GeneratedSources[0].SourceText.Lines.Select(l => l.ToString().Trim())
            .Where(l => l.StartsWith("public const int", StringComparison.Ordinal) && l.Contains("Length")));
        Assert.True(errors.IsEmpty, $"[AttentionKernel({arguments})] drew no ATG diagnostic but its generated code does not compile " +
            $"({lengths}):\n" + string.Join("\n", errors.Take(6)));
    }

    /// <summary>A shape whose element count overflows even a long (2²¹·2²¹·2²² = 2⁶⁴ wraps to 0) is far over int.MaxValue:
    /// ATG007, not a kernel whose QueryLength is 0.</summary>
    [Theory]
    [InlineData("SeqLen = 2097152, Heads = 2097152, HeadDim = 4194304")]
    [InlineData("SeqLen = 2097152, Heads = 2097152, HeadDim = 6291456")]
    public void ElementCountsThatOverflowALongAreReportedAsTooLarge(string arguments)
    {
        var (result, _, diagnostics) = Run(GeneratorHarness.Compile($"using AttentionGen; [AttentionKernel({arguments})] static partial class K {{ }}"));
        AssertHandled(result, diagnostics, arguments);
        string generated = string.Join(", ", result.GeneratedSources.SelectMany(g => g.SourceText.Lines)
            .Select(l => l.ToString().Trim()).Where(l => l.StartsWith("public const int", StringComparison.Ordinal) && l.Contains("Length")));
        Assert.True(result.Diagnostics.Any(d => d.Id == "ATG007"),
            $"[AttentionKernel({arguments})] drew no ATG007; the generator produced a kernel with: {generated}");
        Assert.Empty(result.GeneratedSources);
    }

    public static TheoryData<string, string[]> DuplicateAttributes => new()
    {
        { "two attribute lists on one declaration",
            ["using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)][AttentionKernel(SeqLen = 5, Heads = 1, HeadDim = 4)] static partial class K { }"] },
        { "two attributes in one list",
            ["using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4), AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }"] },
        { "the same attribute on two partial declarations",
            ["using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } " +
             "[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }"] },
        { "different attributes on two partial declarations in two files",
            ["using AttentionGen; namespace App; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }",
             "using AttentionGen; namespace App; [AttentionKernel(SeqLen = 8, Heads = 2, HeadDim = 4)] static partial class K { }"] },
        { "an invalid and a valid attribute on two partial declarations",
            ["using AttentionGen; [AttentionKernel(SeqLen = 0, Heads = 1, HeadDim = 4)] static partial class K { } " +
             "[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }"] },
    };

    [Theory]
    [MemberData(nameof(DuplicateAttributes))]
    public void DuplicateAttributesNeverCrashTheGenerator(string what, string[] sources)
    {
        var (result, output, diagnostics) = Run(GeneratorHarness.Compile(sources[0], moreSources: sources[1..]));
        AssertHandled(result, diagnostics, what);
        Assert.True(result.GeneratedSources.Length <= 1, $"{what}: {result.GeneratedSources.Length} sources for one class");
        AssertMistakeReportedAndGeneratedCodeCompiles(result, output, what);
    }

    public static TheoryData<string> MissingNames => new()
    {
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K<> { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K<T, > { }",
        "using AttentionGen; namespace { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } }",
        "using AttentionGen; namespace A.; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; partial class Outer<> { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } }",
    };

    /// <summary>Mid-edit, a name is missing: no crash, and no generated code with syntax errors of its own.</summary>
    [Theory]
    [MemberData(nameof(MissingNames))]
    public void DeclarationWithAMissingNameGetsNoUnparsableCode(string source)
    {
        var (result, _, diagnostics) = Run(GeneratorHarness.Compile(source));
        AssertHandled(result, diagnostics, source, parses: false);
        AssertGeneratedCodeParses(result, source);
    }

    public static TheoryData<string> MoreMalformed => new()
    {
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K<T, U, > { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K : { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] partial partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { ",
        "using AttentionGen; class Outer { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } ",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4,)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen: 4, Heads: 1, HeadDim: 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Scale = 0.1)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4L, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = null, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = default, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Layout = 1)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Causal = 1)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4, Unknown = 3)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = new int[0].Length, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; const int S = 4; [AttentionKernel(SeqLen = S, Heads = 1, HeadDim = 4)] static partial class K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { public const int SeqLen = 4; public static void Forward() { } }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] file static partial class K { }",
        "using AttentionGen; file partial class Outer { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } static partial class K<T> where T : K { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] enum E { }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] partial record struct R;",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] delegate void D();",
        "using AttentionGen; static class C { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static void M() { } }",
        "using AttentionGen; void Local() { [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } }",
        "#if NEVER\nusing AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { }\n#endif",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } namespace AttentionGen.Generated { class KKernel { } }",
        "using AttentionGen; [AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 4)] static partial class K { } namespace AttentionGen { class AttentionKernelAttribute { } }",
    };

    [Theory]
    [MemberData(nameof(MoreMalformed))]
    public void MalformedOrUnsupportedDeclarationNeverCrashesTheGenerator(string source)
    {
        var (result, output, diagnostics) = Run(GeneratorHarness.Compile(source));
        AssertHandled(result, diagnostics, source, parses: false);
        AssertGeneratedCodeHasNoErrorOfItsOwn(output, source);
    }

    /// <summary>The user's mistake is reported (by an ATG diagnostic or the compiler), and whatever the generator emitted
    /// has no error of its own.</summary>
    private static void AssertMistakeReportedAndGeneratedCodeCompiles(GeneratorRunResult result, Compilation output, string context)
    {
        ImmutableArray<Diagnostic> all = output.GetDiagnostics(TestContext.Current.CancellationToken);
        Assert.True(result.Diagnostics.Concat(all).Any(d => d.Severity == DiagnosticSeverity.Error), $"{context}: no error reported");
        AssertGeneratedCodeHasNoErrorOfItsOwn(output, context);
    }

    /// <summary>No error inside a generated file, but for a member the user declared under a generated member's name
    /// (CS0102, CS0111, and the ambiguity CS0229 it causes: the clash is the user's, and the compiler names it).</summary>
    private static void AssertGeneratedCodeHasNoErrorOfItsOwn(Compilation output, string context)
    {
        Diagnostic? inGenerated = output.GetDiagnostics(TestContext.Current.CancellationToken).FirstOrDefault(d =>
            d.Severity == DiagnosticSeverity.Error && d.Id is not ("CS0102" or "CS0111" or "CS0229")
            && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
        Assert.True(inGenerated is null, $"{context}: generated code has an error: {inGenerated}");
    }
}
