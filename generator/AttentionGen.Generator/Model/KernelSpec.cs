namespace AttentionGen.Generator.Model;

/// <summary>Mirror of <c>AttentionGen.AttentionLayout</c> (the generator cannot reference the runtime library).</summary>
internal enum TensorLayout
{
    HeadMajor = 0,
    TokenMajor = 1,
}

/// <summary>Mirror of <c>AttentionGen.AttentionKvType</c>: how keys and values are stored.</summary>
internal enum KeyValueType
{
    Float32 = 0,
    Half = 1,
    BFloat16 = 2,
}

/// <summary>One type declaration the generated partial must repeat: <c>partial {Keyword} {Name}{TypeParameters}</c>.</summary>
internal sealed record TypeDeclaration(string Keyword, string Name, string TypeParameters);

/// <summary>The validated shape and options of a kernel: everything the plan depends on.</summary>
/// <param name="Window">Keys per row in the sliding window, if any.</param>
/// <param name="Softcap">The logit soft-cap, if any.</param>
/// <param name="Alibi">Whether ALiBi's bias is added.</param>
/// <param name="Sinks">Whether every call takes one sink logit per query head.</param>
/// <param name="KvType">How keys and values are stored.</param>
internal sealed record KernelShape(
    int SeqLen, int KvLen, int Heads, int KvHeads, int HeadDim, bool Causal, float Scale, bool ScaleIsDefault,
    TensorLayout Layout, int? Window = null, float? Softcap = null, bool Alibi = false, bool Sinks = false,
    KeyValueType KvType = KeyValueType.Float32)
{
    /// <summary>The C# element type of the key and value spans.</summary>
    public string KvElement => KvType switch
    {
        KeyValueType.Half => "global::System.Half",
        KeyValueType.BFloat16 => "ushort",
        _ => "float",
    };

    /// <summary>Query heads that share one key/value head.</summary>
    public int GroupSize => Heads / KvHeads;

    public int QueryLength => Heads * SeqLen * HeadDim;

    public int KeyLength => KvHeads * KvLen * HeadDim;

    /// <summary>Elements between consecutive key (and value) rows of one head.</summary>
    public int KvRowStride => Layout == TensorLayout.HeadMajor ? HeadDim : KvHeads * HeadDim;
}

/// <summary>A kernel declaration, parsed: where the class is and what shape it computes. Value-equatable,
/// holds nothing from the compilation, so the pipeline can cache it.</summary>
internal sealed record KernelSpec(
    string? Namespace,
    EquatableArray<TypeDeclaration> ContainingTypes,
    TypeDeclaration Kernel,
    KernelShape Shape)
{
    /// <summary>Name for messages, e.g. <c>App.Outer.MiniLmAttention</c>.</summary>
    public string DisplayName => QualifiedName(type => type.TypeParameters);

    /// <summary>A unique, file-name-safe name: generic arity kept (<c>K`1</c> differs from <c>K</c>), anything but
    /// letters, digits, '.', '`' and '_' replaced.</summary>
    public string HintName
    {
        get
        {
            char[] name = QualifiedName(Arity).ToCharArray();
            for (int i = 0; i < name.Length; i++)
            {
                if (!(char.IsLetterOrDigit(name[i]) || name[i] is '.' or '`' or '_'))
                    name[i] = '_';
            }

            return new string(name);
        }
    }

    /// <summary>Namespace, containing types and kernel joined by dots, each type followed by its suffix.</summary>
    private string QualifiedName(System.Func<TypeDeclaration, string> suffix)
    {
        var name = new System.Text.StringBuilder();
        if (Namespace is not null)
            name.Append(Namespace).Append('.');
        foreach (TypeDeclaration type in ContainingTypes)
            name.Append(type.Name).Append(suffix(type)).Append('.');
        return name.Append(Kernel.Name).Append(suffix(Kernel)).ToString();
    }

    private static string Arity(TypeDeclaration type) =>
        type.TypeParameters.Length == 0 ? string.Empty : "`" + (type.TypeParameters.Split(',').Length);
}
