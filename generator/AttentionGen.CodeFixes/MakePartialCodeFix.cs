using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttentionGen.CodeFixes;

/// <summary>Fixes ATG001 by adding <c>partial</c> to the kernel class and to every class that contains it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix))]
[Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    public const string Title = "Make the kernel class and its containing classes partial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("ATG001");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } diagnosed)
            return;

        context.RegisterCodeFix(
            CodeAction.Create(Title, ct => Task.FromResult(MakePartial(context.Document, root, diagnosed)), nameof(MakePartialCodeFix)),
            context.Diagnostics);
    }

    private static Document MakePartial(Document document, SyntaxNode root, TypeDeclarationSyntax diagnosed)
    {
        // The diagnosed type, the types around it, and the kernels inside it with the types between.
        var types = new HashSet<TypeDeclarationSyntax>(diagnosed.AncestorsAndSelf().OfType<TypeDeclarationSyntax>());
        foreach (TypeDeclarationSyntax kernel in diagnosed.DescendantNodes().OfType<TypeDeclarationSyntax>().Where(IsKernel))
        {
            foreach (TypeDeclarationSyntax type in kernel.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().TakeWhile(t => t != diagnosed))
                types.Add(type);
        }

        SyntaxNode fixedRoot = root.ReplaceNodes(types.Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)),
            (original, rewritten) => AddPartial(rewritten));
        return document.WithSyntaxRoot(fixedRoot);
    }

    private static bool IsKernel(TypeDeclarationSyntax type) =>
        type.AttributeLists.SelectMany(list => list.Attributes).Any(attribute =>
            attribute.Name.ToString().Split('.').Last() is "AttentionKernel" or "AttentionKernelAttribute");

    /// <summary><c>partial</c> goes last among the modifiers, right before the keyword; with no modifiers it takes
    /// over the keyword's leading trivia (indentation, comments).</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Count == 0)
        {
            SyntaxToken keyword = type.Keyword;
            SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword,
                SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return type.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
        }

        return type.WithModifiers(type.Modifiers.Add(
            SyntaxFactory.Token(SyntaxTriviaList.Empty, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space))));
    }
}
