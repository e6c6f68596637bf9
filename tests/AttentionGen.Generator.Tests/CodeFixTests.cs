using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AttentionGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>The ATG001 code fix: adds <c>partial</c> where it is missing, and the result generates cleanly.</summary>
public class CodeFixTests
{
    public static TheoryData<string, string> Cases => new()
    {
        {
            "using AttentionGen;\n[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\npublic static class K { }\n",
            "using AttentionGen;\n[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\npublic static partial class K { }\n"
        },
        {
            "using AttentionGen;\n[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\nclass K { }\n",
            "using AttentionGen;\n[AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\npartial class K { }\n"
        },
        {
            "namespace N;\npublic class Outer\n{\n    internal class Middle\n    {\n        [AttentionGen.AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\n        static class K { }\n    }\n}\n",
            "namespace N;\npublic partial class Outer\n{\n    internal partial class Middle\n    {\n        [AttentionGen.AttentionKernel(SeqLen = 4, Heads = 1, HeadDim = 8)]\n        static partial class K { }\n    }\n}\n"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AddsPartialToTheKernelAndItsContainers(string before, string after)
    {
        var (document, diagnostics) = Open(before);
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.Equal("ATG001", d.Id));

        // Any one ATG001 of the declaration fixes them all.
        string fixedText = await ApplyFix(document, diagnostics[0]);
        Assert.Equal(after, fixedText);
        var (_, remaining) = Open(fixedText);
        Assert.Empty(remaining);
    }

    private static (Document Document, IReadOnlyList<Diagnostic> Diagnostics) Open(string source)
    {
        var workspace = new AdhocWorkspace();
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        Project project = workspace.AddProject("Consumer", LanguageNames.CSharp)
            .WithMetadataReferences(compilation.References)
            .WithCompilationOptions(compilation.Options)
            .WithParseOptions((CSharpParseOptions)compilation.SyntaxTrees[0].Options);
        Document document = project.AddDocument("Source0.cs", SourceText.From(source));
        var (result, _) = GeneratorHarness.Run(compilation);
        return (document, result.Diagnostics);
    }

    private static async Task<string> ApplyFix(Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var fix = new MakePartialCodeFix();
        Assert.Contains(diagnostic.Id, fix.FixableDiagnosticIds);
        Location location = Location.Create((await document.GetSyntaxTreeAsync(TestContext.Current.CancellationToken))!, diagnostic.Location.SourceSpan);
        Diagnostic mapped = Diagnostic.Create(diagnostic.Descriptor, location, diagnostic.GetMessage());
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, mapped, (action, _) => actions.Add(action), TestContext.Current.CancellationToken));
        CodeAction action = Assert.Single(actions);
        Assert.Equal(MakePartialCodeFix.Title, action.Title);
        ApplyChangesOperation change = (await action.GetOperationsAsync(TestContext.Current.CancellationToken)).OfType<ApplyChangesOperation>().Single();
        Document changed = change.ChangedSolution.GetDocument(document.Id)!;
        return (await changed.GetTextAsync(TestContext.Current.CancellationToken)).ToString();
    }
}
