namespace AttentionGen.Kernels;

/// <summary>The code paths every generated kernel carries; <c>ActivePath</c> on a kernel says which one runs.</summary>
public enum KernelPath
{
    /// <summary>Plain scalar arithmetic, on any machine.</summary>
    Scalar = 0,

    /// <summary>arm64 NEON (AdvSimd), 128-bit vectors.</summary>
    Neon = 1,

    /// <summary>x86-64 AVX2 with FMA, 256-bit vectors.</summary>
    Avx2 = 2,

    /// <summary>x86-64 AVX-512 (Avx512F), 512-bit vectors.</summary>
    Avx512 = 3,
}
