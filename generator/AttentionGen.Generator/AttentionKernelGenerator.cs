using System.Collections.Immutable;
using System.Linq;
using AttentionGen.Generator.Emitting;
using AttentionGen.Generator.Model;
using AttentionGen.Generator.Parsing;
using AttentionGen.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttentionGen.Generator;

/// <summary>
/// The incremental pipeline, nothing else: find <c>[AttentionKernel]</c> classes, parse each into a
/// <see cref="KernelSpec"/>, plan it for the target's instruction sets, render it, and report.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AttentionKernelGenerator : IIncrementalGenerator
{
    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class Steps
    {
        public const string Parse = "Parse";
        public const string Target = "Target";
        public const string Plan = "Plan";
        public const string Render = "Render";
        public const string Aot = "Aot";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KernelSpecParser.AttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)SyntaxKind.StructKeyword },
                static (context, cancellationToken) => KernelSpecParser.Parse(context, cancellationToken))
            .WithTrackingName(Steps.Parse);

        IncrementalValueProvider<TargetInfo> target = context.CompilationProvider
            .Select(static (compilation, _) => ReadTarget(compilation))
            .WithTrackingName(Steps.Target);

        IncrementalValuesProvider<PlanResult> planned = parsed
            .Combine(target)
            .Select(static (pair, _) => PlanKernel(pair.Left, pair.Right))
            .WithTrackingName(Steps.Plan);

        IncrementalValuesProvider<RenderResult> rendered = planned
            .Select(static (result, _) => Render(result))
            .WithTrackingName(Steps.Render);

        // A NativeAOT build for the x86-64 baseline silently runs every kernel on its scalar path: say so once.
        IncrementalValueProvider<bool> pinsScalarPath = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => AotSettings.From(options.GlobalOptions).PinsScalarPath)
            .WithTrackingName(Steps.Aot);
        IncrementalValueProvider<bool> anyKernel = parsed
            .Where(static result => result.Spec is not null)
            .Collect()
            .Select(static (kernels, _) => kernels.Length > 0);
        context.RegisterSourceOutput(pinsScalarPath.Combine(anyKernel), static (output, pair) =>
        {
            if (pair.Left && pair.Right)
                output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AotScalarPath, Location.None));
        });

        context.RegisterSourceOutput(rendered, static (output, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics)
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.HintName is not null && result.Source is not null)
                output.AddSource(result.HintName, result.Source);
        });
    }

    private static TargetInfo ReadTarget(Compilation compilation)
    {
        var available = IsaProfile.All
            .Where(profile => profile.RequiredType is null || compilation.GetTypeByMetadataName(profile.RequiredType) is not null)
            .Select(profile => profile.Path)
            .ToImmutableArray();
        return new TargetInfo(new EquatableArray<string>(available));
    }

    /// <summary>Test hook: runs before a kernel is planned and before it is rendered (with the step's name from
    /// <see cref="Steps"/>), so a test can make either throw.</summary>
    internal static System.Action<KernelSpec, string>? FaultInjection;

    private static PlanResult PlanKernel(ParseResult parsed, TargetInfo target)
    {
        if (parsed.Spec is null)
            return new PlanResult(null, parsed.Diagnostics, parsed.Attribute);
        try
        {
            FaultInjection?.Invoke(parsed.Spec, Steps.Plan);
            return new PlanResult(KernelPlanner.Plan(parsed.Spec, target), parsed.Diagnostics, parsed.Attribute);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return new PlanResult(null, parsed.Diagnostics.Add(InternalError(parsed.Spec, parsed.Attribute, e)), parsed.Attribute);
        }
    }

    private static RenderResult Render(PlanResult result)
    {
        if (result.Plan is null)
            return new RenderResult(null, null, result.Diagnostics);
        try
        {
            FaultInjection?.Invoke(result.Plan.Spec, Steps.Render);
            return new RenderResult(KernelEmitter.HintName(result.Plan.Spec), KernelEmitter.Emit(result.Plan), result.Diagnostics);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return new RenderResult(null, null, result.Diagnostics.Add(InternalError(result.Plan.Spec, result.Attribute, e)));
        }
    }

    private static DiagnosticInfo InternalError(KernelSpec spec, LocationInfo? attribute, System.Exception e) =>
        new(DiagnosticDescriptors.InternalError, attribute, new[] { spec.DisplayName, e.GetType().Name + ": " + e.Message }.ToEquatableArray());

    private sealed record PlanResult(KernelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Attribute);

    private sealed record RenderResult(string? HintName, string? Source, EquatableArray<DiagnosticInfo> Diagnostics);
}
