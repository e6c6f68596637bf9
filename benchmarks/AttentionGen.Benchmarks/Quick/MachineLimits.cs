using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>
/// The two ceilings the quick run measures on this machine, in the same process and minute as the kernels, so
/// "% of peak" is against what the core actually delivers now (the machine is a shared KVM guest):
/// one core's FP32 FMA throughput, and the DRAM read bandwidth one core pulls.
/// </summary>
public sealed record MachineLimits(double PeakGflops, string PeakVector, double DramGBps, double DramAllCoresGBps,
    string CpuName, long L3Bytes)
{
    /// <summary>Measures both (DRAM also with every core reading at once); takes about three seconds and briefly
    /// 512 MB of memory.</summary>
    public static MachineLimits Measure()
    {
        (double peak, string vector) = MeasurePeak();
        (double dram, double dramAllCores) = MeasureDram();
        return new MachineLimits(peak, vector, dram, dramAllCores, CpuModel(), L3Size());
    }

    /// <summary>Name of the FMA loop when it is timed as one more contender in a shape's interleaved rounds.</summary>
    public const string FmaLoopName = "FMA loop";

    /// <summary>The FMA peak loop cut to ~0.5 ms a call, to be timed like a kernel in a shape's interleaved rounds: its
    /// median is the peak the core delivered while that shape's medians were taken, through the same interference.</summary>
    public static (double Flops, Action Call) FmaLoop()
    {
        const long iterations = 1 << 18;
        return (FmaFlops(iterations), () => Fma(iterations));
    }

    /// <summary>Measures the FMA peak again (e.g. at the end of a run) and keeps the better figure: a ceiling is a
    /// best case, and on a shared machine one moment's measurement can be halved by a neighbour.</summary>
    public MachineLimits RemeasurePeak() => this with { PeakGflops = Math.Max(PeakGflops, MeasurePeak().Gflops) };

    /// <summary>The L3 size for a report: "unknown" where the guest does not expose its caches.</summary>
    public string L3Text => L3Bytes > 0 ? $"{L3Bytes >> 20} MiB" : "unknown";

    // The model name and L3 size put the figures in context: the same benchmark may run on different hosts.
    private static string CpuModel()
    {
        foreach (string line in ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        return "unknown CPU";
    }

    private static long L3Size()
    {
        string size = string.Concat(ReadLines("/sys/devices/system/cpu/cpu0/cache/index3/size")).Trim(); // e.g. "266240K"
        long unit = size.EndsWith('K') ? 1024 : size.EndsWith('M') ? 1 << 20 : 1;
        return long.TryParse(size.TrimEnd('K', 'M'), out long value) ? value * unit : 0;
    }

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    private static (double Gflops, string Vector) MeasurePeak()
    {
        string vector = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128";
        const long iterations = 1 << 23; // ~20 ms a run at 170 GFLOP/s
        Fma(1000); // compiled fully optimized already (AggressiveOptimization); this only pages the code in
        return (FmaFlops(iterations) / Fastest(15, () => Fma(iterations)) / 1e9, vector);
    }

    /// <summary>FLOPs of <see cref="Fma"/> over <paramref name="iterations"/>: two per lane per accumulator.</summary>
    private static double FmaFlops(long iterations) =>
        2.0 * (Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4) * FmaAccumulators * iterations;

    private static (double OneCore, double AllCores) MeasureDram()
    {
        // 512 MB: more than twice the L3 of the hosts measured so far (32 MiB, 260 MiB), so a sequential sweep
        // evicts each line before it comes round again and every load misses every cache.
        float[] data = GC.AllocateUninitializedArray<float>(128 << 20);
        Array.Fill(data, 1f); // touch every page first: page faults are not bandwidth
        Sum(data);
        double bytes = (double)data.Length * sizeof(float);
        double oneCore = bytes / Fastest(5, () => Sum(data)) / 1e9;

        // Every core sums its own slice at once: the ceiling of a parallel kernel that streams from DRAM.
        int cores = Environment.ProcessorCount, slice = data.Length / cores;
        double allCores = bytes / Fastest(5, () =>
        {
            float[] sums = new float[cores];
            System.Threading.Tasks.Parallel.For(0, cores, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = cores },
                core => sums[core] = Sum(data.AsSpan(core * slice, slice)));
            return sums.Sum();
        }) / 1e9;
        return (oneCore, allCores);
    }

    // The fastest of several runs: both figures are ceilings, and interference only ever slows a run down.
    private static double Fastest(int repetitions, Func<float> run)
    {
        double[] seconds = new double[repetitions];
        float sink = 0;
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            sink += run();
            seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        GC.KeepAlive(sink);
        return seconds.Min();
    }

    private const int FmaAccumulators = 12;

    // 12 independent FMA chains: Zen 4's FMA latency is 4 cycles and it retires one 512-bit (two 256-bit) FMA per
    // cycle, so 4 chains (8 for Vector256) already saturate it; 12 leave headroom. acc·x + y with x just below 1
    // stays finite forever.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Fma(long iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> x = Vector512.Create(0.9999999f), y = Vector512.Create(1e-7f);
            Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (long i = 0; i < iterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
                a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
                a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
                a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
                a8 = Vector512.FusedMultiplyAdd(a8, x, y); a9 = Vector512.FusedMultiplyAdd(a9, x, y);
                a10 = Vector512.FusedMultiplyAdd(a10, x, y); a11 = Vector512.FusedMultiplyAdd(a11, x, y);
            }

            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }
        else
        {
            Vector256<float> x = Vector256.Create(0.9999999f), y = Vector256.Create(1e-7f);
            Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
            Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (long i = 0; i < iterations; i++)
            {
                a0 = Vector256.FusedMultiplyAdd(a0, x, y); a1 = Vector256.FusedMultiplyAdd(a1, x, y);
                a2 = Vector256.FusedMultiplyAdd(a2, x, y); a3 = Vector256.FusedMultiplyAdd(a3, x, y);
                a4 = Vector256.FusedMultiplyAdd(a4, x, y); a5 = Vector256.FusedMultiplyAdd(a5, x, y);
                a6 = Vector256.FusedMultiplyAdd(a6, x, y); a7 = Vector256.FusedMultiplyAdd(a7, x, y);
                a8 = Vector256.FusedMultiplyAdd(a8, x, y); a9 = Vector256.FusedMultiplyAdd(a9, x, y);
                a10 = Vector256.FusedMultiplyAdd(a10, x, y); a11 = Vector256.FusedMultiplyAdd(a11, x, y);
            }

            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }
    }

    // Eight independent vector sums so the adds never wait on each other; the loads are the only bottleneck.
    private static float Sum(ReadOnlySpan<float> data) =>
        Vector512.IsHardwareAccelerated ? Sum512(data) : Sum256(data);

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Sum512(ReadOnlySpan<float> data)
    {
        ref float start = ref MemoryMarshal.GetReference(data);
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
        int i = 0;
        for (; i <= data.Length - 128; i += 128)
        {
            s0 += Vector512.LoadUnsafe(ref start, (nuint)i);
            s1 += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
            s2 += Vector512.LoadUnsafe(ref start, (nuint)(i + 32));
            s3 += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
            s4 += Vector512.LoadUnsafe(ref start, (nuint)(i + 64));
            s5 += Vector512.LoadUnsafe(ref start, (nuint)(i + 80));
            s6 += Vector512.LoadUnsafe(ref start, (nuint)(i + 96));
            s7 += Vector512.LoadUnsafe(ref start, (nuint)(i + 112));
        }

        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7) + Tail(data, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Sum256(ReadOnlySpan<float> data)
    {
        ref float start = ref MemoryMarshal.GetReference(data);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
        int i = 0;
        for (; i <= data.Length - 64; i += 64)
        {
            s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
            s1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
            s2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16));
            s3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
            s4 += Vector256.LoadUnsafe(ref start, (nuint)(i + 32));
            s5 += Vector256.LoadUnsafe(ref start, (nuint)(i + 40));
            s6 += Vector256.LoadUnsafe(ref start, (nuint)(i + 48));
            s7 += Vector256.LoadUnsafe(ref start, (nuint)(i + 56));
        }

        return Vector256.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7) + Tail(data, i);
    }

    private static float Tail(ReadOnlySpan<float> data, int from)
    {
        float tail = 0;
        for (int i = from; i < data.Length; i++)
            tail += data[i];
        return tail;
    }
}
