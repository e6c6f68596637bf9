using System.Collections.Generic;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>One implementation's median time at one shape.</summary>
public sealed record ImplementationTime(string Implementation, double Milliseconds);

/// <summary>Everything measured for one shape, plus why any implementation is missing. <paramref name="RoundPeakGflops"/>
/// is the FMA loop's median speed in the shape's own interleaved rounds.</summary>
public sealed record ShapeTimes(ShapeCase Case, IReadOnlyList<ImplementationTime> Times, IReadOnlyList<string> Notes,
    double RoundPeakGflops)
{
    public double? Milliseconds(string implementation)
    {
        foreach (ImplementationTime t in Times)
            if (t.Implementation == implementation)
                return t.Milliseconds;
        return null;
    }
}

/// <summary>The whole quick run.</summary>
public sealed record QuickResults(MachineLimits Limits, string KernelPath, int Rounds, double BatchMilliseconds,
    IReadOnlyList<ShapeTimes> Shapes);
