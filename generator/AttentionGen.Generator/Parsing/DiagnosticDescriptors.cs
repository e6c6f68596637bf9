using Microsoft.CodeAnalysis;

namespace AttentionGen.Generator.Parsing;

/// <summary>Every diagnostic the generator reports, one per kind of mistake. Each links to its entry in
/// docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "AttentionGen";
    private const string HelpBase = "https://github.com/attentiongen/attentiongen/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor NotPartial = Error("ATG001",
        "Kernel class must be partial",
        "'{0}' must be declared partial so the generator can add the kernel to it; add the 'partial' modifier to '{0}'");

    public static readonly DiagnosticDescriptor MissingRequiredProperty = Error("ATG002",
        "Required kernel dimension missing",
        "[AttentionKernel] on '{0}' does not set {1}; add '{1} = <{2}>' to the attribute");

    public static readonly DiagnosticDescriptor NonPositiveDimension = Error("ATG003",
        "Kernel dimension must be positive",
        "{0} is {1}; set {0} to a positive number ({2})");

    public static readonly DiagnosticDescriptor InvalidKvHeads = Error("ATG004",
        "KvHeads must divide Heads",
        "KvHeads is {0} but Heads is {1}; KvHeads must divide Heads (KvHeads = Heads is multi-head, fewer is grouped-query, 1 is multi-query)");

    public static readonly DiagnosticDescriptor InvalidScale = Error("ATG005",
        "Scale must be positive and finite",
        "Scale is {0}; set Scale to a positive finite number, or leave it out for 1/sqrt(HeadDim)");

    public static readonly DiagnosticDescriptor UndefinedLayout = Error("ATG006",
        "Layout is not a defined AttentionLayout",
        "Layout value {0} is not defined; use AttentionLayout.HeadMajor or AttentionLayout.TokenMajor");

    public static readonly DiagnosticDescriptor ShapeTooLarge = Error("ATG007",
        "Kernel tensors too large",
        "The {0} tensor of '{1}' has {2} elements, more than int.MaxValue; reduce the sequence length, heads or head dimension");

    public static readonly DiagnosticDescriptor HeadDimTooLarge = Error("ATG009",
        "Head dimension too large",
        "HeadDim is {0}; AttentionGen kernels support head dimensions up to {1}");

    public static readonly DiagnosticDescriptor NegativeWindow = Error("ATG010",
        "Window must not be negative",
        "Window is {0}; set Window to the keys each query attends (its own position included), or 0 for no window");

    public static readonly DiagnosticDescriptor WindowWithoutCausal = Error("ATG011",
        "Window requires Causal",
        "Window is {0} but Causal is false; a sliding window limits the keys before each query, so set Causal = true, or remove Window");

    public static readonly DiagnosticDescriptor InvalidSoftcap = Error("ATG012",
        "Softcap must be positive and finite",
        "Softcap is {0}; set Softcap to a positive finite number (Gemma 2 uses 50), or leave it out for no soft-capping");

    public static readonly DiagnosticDescriptor WindowNeverBites = new("ATG013",
        "Window never excludes a key",
        "Window is {0} but KvLen is {1}: every query can attend every key it sees, so the window has no effect; set Window below KvLen, or remove it",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "atg013");

    public static readonly DiagnosticDescriptor UndefinedKvType = Error("ATG014",
        "KvType is not a defined AttentionKvType",
        "KvType value {0} is not defined; use AttentionKvType.Float32, AttentionKvType.Half or AttentionKvType.BFloat16");

    public static readonly DiagnosticDescriptor AotScalarPath = new("ATG008",
        "NativeAOT build pins attention kernels to the scalar path",
        "PublishAot compiles for the x86-64 baseline, where AVX2 and AVX-512 are unavailable, so every AttentionGen kernel runs its scalar path (about 20-40x slower); set <IlcInstructionSet>native</IlcInstructionSet> for this machine's instruction sets, or x86-64-v4 (AVX-512) or x86-64-v3 (AVX2+FMA) for a fleet",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "atg008");

    public static readonly DiagnosticDescriptor InternalError = Error("ATG000",
        "AttentionGen could not generate the kernel",
        "AttentionGen could not generate '{0}': {1}; please report this");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
