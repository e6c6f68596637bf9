using System.Collections.Immutable;

namespace AttentionGen.Generator.Planning;

/// <summary>
/// What the planner and renderer need to know about one instruction set: the runtime's operations type, the
/// vector type and width, and the register tile that fits its register file. Adding an instruction set means
/// adding a profile (and its operations type in the runtime library), not another emitter.
/// </summary>
/// <param name="Path">Member of <c>AttentionGen.Kernels.KernelPath</c>.</param>
/// <param name="Title">Human name for comments.</param>
/// <param name="OpsType">The runtime's <c>IVectorOps</c> implementation (in <c>AttentionGen.Kernels</c>).</param>
/// <param name="VectorType">The vector type (in <c>System.Runtime.Intrinsics</c>).</param>
/// <param name="Width">Floats per vector.</param>
/// <param name="TileRows">Keys per score tile and head dimensions per value tile (rows of the register tile).</param>
/// <param name="MaxTileRows">Most keys per score tile the register file allows; the planner takes, from
/// <paramref name="TileRows"/> up, the height that recomputes the fewest scores in shifted last tiles.</param>
/// <param name="PanelVectors">Vectors of query rows per panel (columns of the register tile).</param>
/// <param name="ValueVectors">Most head-dimension vectors per row-major value tile.</param>
/// <param name="ValueAccumulators">Most accumulators of a row-major value tile: with its <paramref name="ValueVectors"/>
/// loads and one broadcast they fit the register file.</param>
/// <param name="RequiredType">A BCL type the consumer's target framework must have for this path to be emitted,
/// or <see langword="null"/>.</param>
internal sealed record IsaProfile(
    string Path, string Title, string OpsType, string VectorType, int Width, int TileRows, int MaxTileRows, int PanelVectors,
    int ValueVectors, int ValueAccumulators, string? RequiredType)
{
    /// <summary>AVX-512: 32 zmm registers; score tiles 6 × 2 accumulators (two loads and six broadcasts feed twelve FMAs), or up to
    /// 8 × 2 where that fits the keys better (128 keys: 16 × 8, not 22 × 6 = 132), value tiles of up to 24
    /// accumulators and 5 vectors (6 × 4 + 4 loads + 1 broadcast = 29).</summary>
    public static readonly IsaProfile Avx512 = new("Avx512", "AVX-512", "Avx512Ops",
        "Vector512<float>", 16, 6, 8, 2, 5, 24, "System.Runtime.Intrinsics.X86.Avx512F");

    /// <summary>AVX2+FMA: 16 ymm registers; 6 × 2 accumulators + 2 loads + 1 broadcast = 15.</summary>
    public static readonly IsaProfile Avx2 = new("Avx2", "AVX2+FMA", "Avx2Ops",
        "Vector256<float>", 8, 6, 6, 2, 2, 12, "System.Runtime.Intrinsics.X86.Fma");

    /// <summary>NEON: 32 q registers; 6 × 4 accumulators + 4 loads + 1 broadcast = 29.</summary>
    public static readonly IsaProfile Neon = new("Neon", "arm64 NEON", "NeonOps",
        "Vector128<float>", 4, 6, 6, 4, 5, 24, "System.Runtime.Intrinsics.Arm.AdvSimd");

    /// <summary>Scalar: 3 × 4 accumulators stay in the 16 xmm/GPR registers of any x86-64 or arm64 core.</summary>
    public static readonly IsaProfile Scalar = new("Scalar", "scalar", "ScalarOps",
        "float", 1, 3, 3, 4, 2, 12, null);

    /// <summary>Whether this path runs on any machine: the last one <c>Forward</c> falls back to.</summary>
    public bool IsFallback => RequiredType is null;

    /// <summary>All profiles, best first: the order <c>Forward</c> tries them in.</summary>
    public static readonly ImmutableArray<IsaProfile> All = ImmutableArray.Create(Avx512, Avx2, Neon, Scalar);
}
