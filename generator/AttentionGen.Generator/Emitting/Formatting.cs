using System.Globalization;

namespace AttentionGen.Generator.Emitting;

/// <summary>Literals and numbers as they appear in generated code and its comments.</summary>
internal static class Formatting
{
    /// <summary>A float literal that round-trips (G9), with the <c>f</c> suffix.</summary>
    public static string FloatLiteral(float value) =>
        value.ToString("G9", CultureInfo.InvariantCulture) + "f";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The generator's version, as its assembly carries it (the package's version).</summary>
    public static readonly string Version = typeof(Formatting).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly string GeneratedCode =
        $"[global::System.CodeDom.Compiler.GeneratedCode(\"AttentionGen.Generator\", \"{Version}\")]";

    // The implementation lives in namespace AttentionGen.Generated with these usings, so it can use short names
    // without a user's type of the same name getting in the way. The user's partial class uses global:: names.
    public static readonly string[] ImplementationUsings =
    {
        "System", "System.Runtime.CompilerServices", "System.Runtime.InteropServices", "System.Runtime.Intrinsics",
        "AttentionGen.Kernels",
    };

    public const string ImplementationNamespace = "AttentionGen.Generated";

    public const string Optimize = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    public const string Unsafe = "Unsafe";

    public const string QualifiedReadOnlySpan = "global::System.ReadOnlySpan<float>";

    public const string QualifiedSpan = "global::System.Span<float>";
}
