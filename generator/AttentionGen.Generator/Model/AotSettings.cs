using System;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttentionGen.Generator.Model;

/// <summary>The NativeAOT build properties the package's props make visible to the compiler.</summary>
internal sealed record AotSettings(bool PublishAot, string InstructionSet, string RuntimeIdentifier)
{
    public static AotSettings From(AnalyzerConfigOptions options) =>
        new(Read(options, "PublishAot").Equals("true", StringComparison.OrdinalIgnoreCase),
            Read(options, "IlcInstructionSet"), Read(options, "RuntimeIdentifier"));

    /// <summary>
    /// True when a NativeAOT build compiles for the x86-64 baseline: AVX2 and AVX-512 are then compile-time false,
    /// so every kernel runs its scalar path. arm64 is unaffected: NEON is part of its baseline.
    /// </summary>
    public bool PinsScalarPath =>
        PublishAot
        && RuntimeIdentifier.IndexOf("arm", StringComparison.OrdinalIgnoreCase) < 0
        && !HasVectorInstructionSet(InstructionSet);

    private static bool HasVectorInstructionSet(string set)
    {
        foreach (string token in new[] { "native", "avx2", "avx512", "x86-64-v3", "x86-64-v4", "x86-x64-v3", "x86-x64-v4" })
        {
            if (set.IndexOf(token, StringComparison.OrdinalIgnoreCase) >= 0)
                return true;
        }

        return false;
    }

    private static string Read(AnalyzerConfigOptions options, string property) =>
        options.TryGetValue("build_property." + property, out string? value) && value is not null ? value.Trim() : string.Empty;
}
