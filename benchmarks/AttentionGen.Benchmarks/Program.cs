using System;
using System.Linq;
using AttentionGen.Benchmarks.Quick;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;

namespace AttentionGen.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>--quick</c>: the few-minute side-by-side comparison (Quick/QuickRun). Otherwise BenchmarkDotNet's switcher;
    /// the slow Naive benchmarks join only with <c>--naive</c>.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Contains("--quick"))
            return QuickRun.Run(args);

        bool naive = args.Contains("--naive");
        IConfig config = DefaultConfig.Instance.AddFilter(
            new SimpleFilter(b => naive || !b.Descriptor.HasCategory("Naive")));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--naive").ToArray(), config);
        return 0;
    }
}
