using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using AttentionGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttentionGen.Generator.Parsing;

/// <summary>The outcome of parsing one declaration: a spec when it is valid, and the diagnostics it drew.</summary>
/// <param name="Attribute">Where the attribute is, for a diagnostic about the whole kernel (ATG000).</param>
internal sealed record ParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Attribute = null);

/// <summary>Turns an <c>[AttentionKernel]</c> class into a <see cref="KernelSpec"/>, or into diagnostics that say
/// what to fix. Never throws for any input: the compiler must not see a crashing generator.</summary>
internal static class KernelSpecParser
{
    public const string AttributeName = "AttentionGen.AttentionKernelAttribute";

    /// <summary>Largest head dimension: keeps every kernel's scratch layout well inside int.</summary>
    public const int MaxHeadDim = 65536;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var classSyntax = (TypeDeclarationSyntax)context.TargetNode;
        try
        {
            return ParseCore(context, classSyntax, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, classSyntax.Identifier.GetLocation(),
                classSyntax.Identifier.ValueText, e.Message));
        }
    }

    private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax classSyntax,
        CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();

        // Mid-edit, a name may still be missing (`partial class {`): the compiler reports it; generate nothing.
        if (classSyntax.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Any(t => t.Identifier.IsMissing || t.Identifier.Text.Length == 0)
            || classSyntax.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Name.IsMissing || n.Name.ToString().EndsWith(".", StringComparison.Ordinal))
            || classSyntax.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Any(t => t.TypeParameterList?.Parameters.Any(p => p.Identifier.IsMissing) == true))
        {
            return Failed(diagnostics);
        }

        // The attribute on two partial declarations of one class (itself a compile error) is generated once.
        SyntaxReference? first = context.TargetSymbol.DeclaringSyntaxReferences
            .FirstOrDefault(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.AttributeLists.Count > 0);
        if (first is not null && first.GetSyntax(cancellationToken) != classSyntax)
            return Failed(diagnostics);

        // Every declaration from the kernel class outwards must be partial for the generated part to merge.
        var types = new List<TypeDeclaration>();
        for (SyntaxNode? node = classSyntax; node is TypeDeclarationSyntax type; node = node.Parent)
        {
            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, type.Identifier.GetLocation(),
                    type.Identifier.ValueText));
            }

            types.Insert(0, Describe(type));
        }

        AttributeData? attribute = context.Attributes.FirstOrDefault();
        if (attribute is null)
            return Failed(diagnostics);

        var arguments = new Arguments(attribute, cancellationToken);
        if (arguments.HasErrors)
            return Failed(diagnostics); // the compiler already reports malformed arguments

        Location attributeLocation = arguments.AttributeLocation ?? classSyntax.Identifier.GetLocation();
        string kernelName = classSyntax.Identifier.ValueText;
        int? seqLen = RequiredDimension(arguments, "SeqLen", "query length", kernelName, attributeLocation, diagnostics);
        int? heads = RequiredDimension(arguments, "Heads", "query heads", kernelName, attributeLocation, diagnostics);
        int? headDim = RequiredDimension(arguments, "HeadDim", "head dimension", kernelName, attributeLocation, diagnostics);
        int? kvLen = OptionalDimension(arguments, "KvLen", seqLen, "the most keys a call attends", diagnostics);
        int? kvHeads = OptionalDimension(arguments, "KvHeads", heads, "key/value heads", diagnostics);

        if (headDim is > MaxHeadDim)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HeadDimTooLarge, arguments.LocationOf("HeadDim"),
                headDim.Value.ToString(CultureInfo.InvariantCulture), MaxHeadDim.ToString(CultureInfo.InvariantCulture)));
        }

        if (heads is > 0 && kvHeads is > 0 && (kvHeads > heads || heads % kvHeads != 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKvHeads,
                arguments.LocationOf("KvHeads") ?? arguments.LocationOf("Heads") ?? attributeLocation,
                kvHeads.Value.ToString(CultureInfo.InvariantCulture), heads.Value.ToString(CultureInfo.InvariantCulture)));
        }

        bool causal = arguments.Get<bool>("Causal") ?? false;
        float? scale = arguments.Get<float>("Scale");
        if (scale is { } s && (float.IsNaN(s) || float.IsInfinity(s) || s <= 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidScale, arguments.LocationOf("Scale"),
                s.ToString("R", CultureInfo.InvariantCulture)));
        }

        int layout = arguments.Get<int>("Layout") ?? 0;
        if (layout is not ((int)TensorLayout.HeadMajor or (int)TensorLayout.TokenMajor))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedLayout, arguments.LocationOf("Layout"),
                layout.ToString(CultureInfo.InvariantCulture)));
        }

        int? window = ParseWindow(arguments, causal, kvLen, diagnostics, out DiagnosticInfo? windowWarning);
        float? softcap = arguments.Get<float>("Softcap");
        if (softcap is { } cap && (float.IsNaN(cap) || float.IsInfinity(cap) || cap < 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSoftcap, arguments.LocationOf("Softcap"),
                cap.ToString("R", CultureInfo.InvariantCulture)));
        }

        int kvType = arguments.Get<int>("KvType") ?? 0;
        if (kvType is not ((int)KeyValueType.Float32 or (int)KeyValueType.Half or (int)KeyValueType.BFloat16))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedKvType, arguments.LocationOf("KvType"),
                kvType.ToString(CultureInfo.InvariantCulture)));
        }

        if (seqLen is > 0 && heads is > 0 && headDim is > 0 && kvLen is > 0 && kvHeads is > 0)
        {
            CheckElementCount("query", heads.Value, seqLen.Value, headDim.Value, kernelName, attributeLocation, diagnostics);
            CheckElementCount("key/value", kvHeads.Value, kvLen.Value, headDim.Value, kernelName, attributeLocation, diagnostics);
        }

        if (diagnostics.Count > 0)
            return Failed(diagnostics);

        var shape = new KernelShape(seqLen!.Value, kvLen!.Value, heads!.Value, kvHeads!.Value, headDim!.Value, causal,
            scale ?? (float)(1.0 / Math.Sqrt(headDim.Value)), scale is null, (TensorLayout)layout,
            Window: window, Softcap: softcap is > 0 ? softcap : null, Alibi: arguments.Get<bool>("Alibi") ?? false,
            Sinks: arguments.Get<bool>("Sinks") ?? false, KvType: (KeyValueType)kvType);
        INamespaceSymbol ns = context.TargetSymbol.ContainingNamespace;
        var spec = new KernelSpec(
            ns is null || ns.IsGlobalNamespace ? null : ns.ToDisplayString(),
            types.Take(types.Count - 1).ToEquatableArray(),
            types[types.Count - 1],
            shape);
        EquatableArray<DiagnosticInfo> warnings = windowWarning is null
            ? EquatableArray<DiagnosticInfo>.Empty
            : new[] { windowWarning }.ToEquatableArray();
        return new ParseResult(spec, warnings, LocationInfo.From(context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()));
    }

    /// <summary>The sliding window, if set: positive, with <c>Causal</c>; 0 means none. A window of at least KvLen
    /// keys never excludes one, which is worth a warning.</summary>
    private static int? ParseWindow(Arguments arguments, bool causal, int? kvLen, List<DiagnosticInfo> diagnostics,
        out DiagnosticInfo? warning)
    {
        warning = null;
        int window = arguments.Get<int>("Window") ?? 0;
        string text = window.ToString(CultureInfo.InvariantCulture);
        if (window < 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NegativeWindow, arguments.LocationOf("Window"), text));
        else if (window > 0 && !causal)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WindowWithoutCausal, arguments.LocationOf("Window"), text));
        else if (window > 0 && window >= kvLen)
        {
            warning = DiagnosticInfo.Create(DiagnosticDescriptors.WindowNeverBites, arguments.LocationOf("Window"), text,
                kvLen.Value.ToString(CultureInfo.InvariantCulture));
        }

        return window > 0 ? window : null;
    }

    private static ParseResult Failed(params DiagnosticInfo[] diagnostics) => Failed((IEnumerable<DiagnosticInfo>)diagnostics);

    private static ParseResult Failed(IEnumerable<DiagnosticInfo> diagnostics) =>
        new(null, diagnostics.ToEquatableArray());

    private static TypeDeclaration Describe(TypeDeclarationSyntax type)
    {
        string keyword = type switch
        {
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword)
                ? "record struct"
                : "record",
            _ => type.Keyword.ValueText,
        };
        string typeParameters = type.TypeParameterList is { Parameters.Count: > 0 } list
            ? "<" + string.Join(", ", list.Parameters.Select(p =>
                p.VarianceKeyword.IsKind(SyntaxKind.None) ? p.Identifier.Text : p.VarianceKeyword.ValueText + " " + p.Identifier.Text)) + ">"
            : string.Empty;
        return new TypeDeclaration(keyword, type.Identifier.Text, typeParameters);
    }

    private static int? RequiredDimension(Arguments arguments, string name, string meaning, string kernelName,
        Location attributeLocation, List<DiagnosticInfo> diagnostics)
    {
        int? value = arguments.Get<int>(name);
        if (value is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingRequiredProperty, attributeLocation,
                kernelName, name, meaning));
            return null;
        }

        return Positive(arguments, name, value.Value, meaning, diagnostics);
    }

    private static int? OptionalDimension(Arguments arguments, string name, int? fallback, string meaning,
        List<DiagnosticInfo> diagnostics)
    {
        int? value = arguments.Get<int>(name);
        return value is null ? fallback : Positive(arguments, name, value.Value, meaning, diagnostics);
    }

    private static int? Positive(Arguments arguments, string name, int value, string meaning, List<DiagnosticInfo> diagnostics)
    {
        if (value > 0)
            return value;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, arguments.LocationOf(name),
            name, value.ToString(CultureInfo.InvariantCulture), meaning));
        return null;
    }

    /// <summary>Reports a tensor with more than int.MaxValue elements; the product is formed so it cannot wrap.</summary>
    private static void CheckElementCount(string tensor, int a, int b, int c, string kernelName, Location location,
        List<DiagnosticInfo> diagnostics)
    {
        long ab = (long)a * b;
        if (ab > int.MaxValue || ab * c > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeTooLarge, location, tensor, kernelName,
                ((decimal)ab * c).ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The attribute's named arguments, with the syntax each came from for precise locations.</summary>
    private sealed class Arguments
    {
        private readonly ImmutableDictionary<string, TypedConstant> _values;
        private readonly AttributeSyntax? _syntax;

        public Arguments(AttributeData attribute, CancellationToken cancellationToken)
        {
            // Duplicate names (an error the compiler reports) keep the last value instead of throwing.
            var values = ImmutableDictionary.CreateBuilder<string, TypedConstant>();
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                values[argument.Key] = argument.Value;
            _values = values.ToImmutable();
            _syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            HasErrors = attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                || _values.Values.Any(v => v.Kind == TypedConstantKind.Error);
        }

        public bool HasErrors { get; }

        public Location? AttributeLocation => _syntax?.GetLocation();

        public T? Get<T>(string name) where T : struct =>
            _values.TryGetValue(name, out TypedConstant constant) && constant.Value is T value ? value : null;

        public Location? LocationOf(string name) =>
            _syntax?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation()
            ?? AttributeLocation;
    }
}
