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

    public const string GeneratedCode =
        "[global::System.CodeDom.Compiler.GeneratedCode(\"AttentionGen.Generator\", \"1.0.0\")]";

    public const string Inline =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    public const string Optimize =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";

    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";

    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";

    public const string Span = "global::System.Span<float>";
}
