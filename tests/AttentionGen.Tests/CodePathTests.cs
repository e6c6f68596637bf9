using System;
using AttentionGen.Kernels;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>CI runs this suite once per code path; each run must really exercise the path it asks for.</summary>
public class CodePathTests
{
    [Fact]
    public void EveryKernelRunsTheExpectedPath()
    {
        string? expected = TestData.ExpectedPath;
        Assert.SkipWhen(expected is null, "ATTENTIONGEN_EXPECTED_PATH is not set");
        var path = Enum.Parse<KernelPath>(expected!);
        Assert.All(TestKernel.All.Values, kernel => Assert.Equal(path, kernel.ActivePath));
    }

    [Fact]
    public void ActivePathIsTheBestTheMachineSupports()
    {
        KernelPath best = Avx512Ops.IsSupported ? KernelPath.Avx512
            : Avx2Ops.IsSupported ? KernelPath.Avx2
            : NeonOps.IsSupported ? KernelPath.Neon
            : KernelPath.Scalar;
        Assert.All(TestKernel.All.Values, kernel => Assert.Equal(best, kernel.ActivePath));
    }
}
