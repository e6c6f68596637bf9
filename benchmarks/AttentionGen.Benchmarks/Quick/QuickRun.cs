using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using AttentionGen.Benchmarks.Peers;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>
/// <c>--quick [--out DIR] [--shapes abc…rvk] [--rounds N]</c>: every shape a–h (r: runtime lengths and batches; v: decoder
/// variants; k: 16-bit key/value caches), the generated kernel and its peers
/// timed side by side in this one process on one thread, against the machine's measured FMA peak and DRAM
/// bandwidth. A few minutes instead of BenchmarkDotNet's hour; ratios within one run are what to read.
/// </summary>
public static class QuickRun
{
    // Implementations in table and chart order. Naive runs only where it is quick enough (shape e).
    private static readonly PeerKind[] SingleThreaded =
        [PeerKind.Generated, PeerKind.OnnxMha, PeerKind.OnnxMatMulSoftmax, PeerKind.TensorPrimitives, PeerKind.Naive];

    private static readonly TimeSpan Warmup = TimeSpan.FromMilliseconds(500), Batch = TimeSpan.FromMilliseconds(50);

    public static int Run(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string outDir = Option(args, "--out") ?? Path.Combine(RepositoryRoot(), "docs", "perf");
        string shapes = Option(args, "--shapes") ?? "abcdefghrvk";
        int rounds = int.Parse(Option(args, "--rounds") ?? "21", CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();

        Console.WriteLine($"AttentionGen quick comparison: {ShapeA.ActivePath} path, {Environment.ProcessorCount} cores, " +
                          $".NET {Environment.Version}; {rounds} interleaved rounds of ≥ {Batch.TotalMilliseconds} ms batches.");
        MachineLimits limits = MachineLimits.Measure();
        Console.WriteLine($"CPU: {limits.CpuName}, L3 {limits.L3Text}.");
        Console.WriteLine($"Measured: FP32 FMA peak {limits.PeakGflops:F1} GFLOP/s ({limits.PeakVector}), DRAM read {limits.DramGBps:F1} GB/s " +
                          $"(all {Environment.ProcessorCount} cores together {limits.DramAllCoresGBps:F1} GB/s).");
        // Hand the DRAM test's 512 MB back and let the system settle, so the first shape is not timed while the
        // kernel reclaims it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        System.Threading.Thread.Sleep(2000);

        var results = new List<ShapeTimes>();
        foreach (ShapeCase c in ShapeCases.All)
        {
            if (!shapes.Contains(c.Id, StringComparison.Ordinal))
                continue;
            long start = Stopwatch.GetTimestamp();
            // Where the guest hides its L3, the cold K/V copies assume the largest L3 seen here (260 MiB).
            ShapeTimes times = MeasureShape(c, rounds, limits.L3Bytes > 0 ? limits.L3Bytes : 260L << 20);
            results.Add(times);
            Console.WriteLine($"Shape {c.Id}: {times.Times.Count} implementations checked and timed in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s.");
        }

        RuntimeLengths.Results? lengths = null;
        if (shapes.Contains('r', StringComparison.Ordinal))
        {
            long start = Stopwatch.GetTimestamp();
            lengths = RuntimeLengths.Measure(rounds, Warmup, Batch, limits.DramAllCoresGBps);
            Console.WriteLine($"Runtime lengths and batches: timed in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s.");
        }

        DecoderVariants.Results? variants = null;
        if (shapes.Contains('v', StringComparison.Ordinal))
        {
            long start = Stopwatch.GetTimestamp();
            variants = DecoderVariants.Measure(rounds, Warmup, Batch);
            Console.WriteLine($"Decoder variants: timed in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s.");
        }

        KeyValueCaches.Results? caches = null;
        if (shapes.Contains('k', StringComparison.Ordinal))
        {
            long start = Stopwatch.GetTimestamp();
            caches = KeyValueCaches.Measure(rounds, Warmup, Batch, limits.DramGBps, limits.L3Bytes > 0 ? limits.L3Bytes : 260L << 20);
            Console.WriteLine($"16-bit key/value caches: timed in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s.");
        }

        // Percentages use the better of the peak measured before and after the shapes.
        limits = limits.RemeasurePeak();
        Console.WriteLine($"FMA peak after remeasuring: {limits.PeakGflops:F1} GFLOP/s.");
        var all = new QuickResults(limits, ShapeA.ActivePath.ToString(), rounds, Batch.TotalMilliseconds, results);
        Console.WriteLine();
        Console.Write(PerfReport.SummaryTable(all));
        foreach (ShapeTimes times in results)
        {
            Console.WriteLine();
            Console.Write(PerfReport.ShapeTable(times, limits));
        }

        Console.WriteLine();
        Console.Write(PerfReport.ParallelTable(all));
        string markdown = PerfReport.Markdown(all);
        if (lengths is not null)
        {
            Console.WriteLine();
            Console.Write(RuntimeLengths.Markdown(lengths));
            markdown += Environment.NewLine + RuntimeLengths.Markdown(lengths);
        }

        if (variants is not null)
        {
            Console.WriteLine();
            Console.Write(DecoderVariants.Markdown(variants));
            markdown += Environment.NewLine + DecoderVariants.Markdown(variants);
        }

        if (caches is not null)
        {
            Console.WriteLine();
            Console.Write(KeyValueCaches.Markdown(caches));
            markdown += Environment.NewLine + KeyValueCaches.Markdown(caches);
        }

        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "perf.md"), markdown);
        File.WriteAllText(Path.Combine(outDir, "perf.csv"), PerfReport.Csv(all));
        File.WriteAllText(Path.Combine(outDir, "perf.svg"), PerfChart.Svg(all));
        Console.WriteLine();
        Console.WriteLine($"Wrote perf.md, perf.csv, perf.svg to {Path.GetFullPath(outDir)} in {clock.Elapsed.TotalSeconds:F0} s.");
        return 0;
    }

    private static ShapeTimes MeasureShape(ShapeCase c, int rounds, long l3Bytes)
    {
        var inputs = new PeerInputs(c.Shape);
        var notes = new List<string>();
        var peers = new List<IAttentionPeer>();
        var kinds = new List<PeerKind>(SingleThreaded);
        if (c.Id != "e")
            kinds.Remove(PeerKind.Naive);
        if (c.Id is "c" or "d" or "f")
            kinds.Add(PeerKind.GeneratedParallel);
        if (c.Id == "d")
            kinds.Add(PeerKind.GeneratedColdKeyValues); // the DRAM-bandwidth criterion of decoding
        try
        {
            foreach (PeerKind kind in kinds)
            {
                if (PeerFactory.Unsupported(kind, c.Shape) is string reason)
                {
                    notes.Add($"{kind}: not run — {reason}.");
                    continue;
                }

                IAttentionPeer peer = PeerFactory.Create(kind, c, inputs, l3Bytes); // throws if its result is wrong
                peers.Add(peer);
                if (peer is OnnxAttention { OpName: not "MultiHeadAttention" and not "MatMul+Softmax" } onnx)
                    notes.Add($"{peer.Name} runs com.microsoft.{onnx.OpName} (MultiHeadAttention has no KV-head grouping); " +
                              "with no past it also transposes K and V into its present_key/present_value outputs on every call.");
            }

            var contenders = peers.ConvertAll(p => new Contender(p.Name, p.Run));
            (double loopFlops, Action loop) = MachineLimits.FmaLoop();
            var fmaLoop = new Contender(MachineLimits.FmaLoopName, loop);
            contenders.Add(fmaLoop);
            InterleavedTimer.Measure(contenders, rounds, Warmup, Batch);
            contenders.Remove(fmaLoop);
            return new ShapeTimes(c, contenders.ConvertAll(t => new ImplementationTime(t.Name, t.Median)), notes,
                loopFlops / (fmaLoop.Median * 1e6));
        }
        finally
        {
            foreach (IAttentionPeer peer in peers)
                peer.Dispose();
            GC.Collect();
        }
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    // docs/perf is relative to the repository, wherever `dotnet run` is started from inside it.
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AttentionGen.sln")))
                return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
