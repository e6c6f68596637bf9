using System;
using System.Linq;
using System.Text;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>Turns quick-run times into Markdown tables and CSV. Every ratio is peer time / generated time from the
/// same run, so above 1 means the generated kernel is faster.</summary>
public static class PerfReport
{
    /// <summary>Single-threaded implementations, in column order; the generated kernel is the baseline.</summary>
    public static readonly string[] Implementations = ["Generated", "ORT MHA", "ORT MatMul/Softmax", "TensorPrimitives", "Naive"];

    public const string Parallel = "Generated parallel";

    public static double Gflops(ShapeCase c, double ms) => c.Flops / (ms * 1e6);

    public static string ShapeTable(ShapeTimes s, MachineLimits limits)
    {
        ShapeCase c = s.Case;
        bool decode = c.Id == "d";
        double generated = s.Milliseconds("Generated") ?? double.NaN;
        var md = new StringBuilder();
        md.AppendLine($"#### {c.Id}: {c.Description} — {c.Flops / 1e6:F1} MFLOP per call{(decode ? $", {c.KeyValueBytes / 1e6:F1} MB of K+V" : "")}");
        md.AppendLine();
        md.Append("| implementation | time (ms) | GFLOP/s | % of peak | time / generated |");
        md.AppendLine(decode ? " K+V GB/s | % of DRAM |" : "");
        md.Append("|---|---:|---:|---:|---:|");
        md.AppendLine(decode ? "---:|---:|" : "");
        foreach (string name in Implementations.Append(Peers.GeneratedKernelColdKeyValues.DisplayName))
        {
            if (s.Milliseconds(name) is not double ms)
                continue;
            double gflops = Gflops(c, ms);
            md.Append($"| {name} | {ms:F3} | {gflops:F1} | {100 * gflops / limits.PeakGflops:F0} % | {ms / generated:F2} |");
            if (decode)
            {
                double gbps = c.KeyValueBytes / (ms * 1e6);
                md.Append($" {gbps:F1} | {100 * gbps / limits.DramGBps:F0} % |");
            }

            md.AppendLine();
        }

        var notes = new System.Collections.Generic.List<string>(s.Notes);
        notes.Insert(0, $"The FMA peak loop, timed as one more contender in these rounds, ran at {s.RoundPeakGflops:F1} GFLOP/s: " +
                        $"the generated kernel reached {100 * Gflops(c, generated) / s.RoundPeakGflops:F0} % of it.");
        if (decode && limits.L3Bytes > 2 * c.KeyValueBytes)
            notes.Add($"K+V ({c.KeyValueBytes / 1e6:F0} MB) fits in this machine's L3 ({limits.L3Bytes >> 20} MiB): repeated calls read it " +
                      "from L3, not DRAM, so bandwidth can exceed the DRAM figure. " +
                      $"\"{Peers.GeneratedKernelColdKeyValues.DisplayName}\" is the same kernel cycling through enough copies of K and V to fill " +
                      "the L3 twice, so each call streams them from DRAM: its % of DRAM is the decode bandwidth figure.");
        if (notes.Count > 0)
            md.AppendLine();
        foreach (string note in notes)
            md.Append("- ").AppendLine(note);
        return md.ToString();
    }

    public static string ParallelTable(QuickResults r)
    {
        var md = new StringBuilder();
        md.AppendLine($"#### ForwardParallel ({Environment.ProcessorCount} cores) against Forward (1 core)");
        md.AppendLine();
        md.AppendLine("| shape | Forward (ms) | ForwardParallel (ms) | speedup |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (ShapeTimes s in r.Shapes)
            if (s.Milliseconds(Parallel) is double parallel && s.Milliseconds("Generated") is double forward)
                md.AppendLine($"| {s.Case.Id}: {s.Case.Description} | {forward:F3} | {parallel:F3} | {forward / parallel:F2}× |");

        // A decode step that streams K and V from DRAM can go no faster than the cores together can read. The L3 is
        // shared and not always known, so whether K and V came from DRAM is read off Forward's own speed.
        if (r.Shapes.FirstOrDefault(s => s.Case.Id == "d") is { } decode && decode.Milliseconds(Parallel) is double decodeParallel
            && decode.Milliseconds("Generated") is double decodeForward
            && decode.Case.KeyValueBytes / (decodeForward * 1e6) is double forwardGBps && forwardGBps <= 1.1 * r.Limits.DramGBps)
        {
            double parallelGBps = decode.Case.KeyValueBytes / (decodeParallel * 1e6);
            md.AppendLine();
            md.AppendLine($"- d's K and V ({decode.Case.KeyValueBytes / 1e6:F0} MB) came from DRAM in this run: Forward read them at " +
                          $"{forwardGBps:F1} GB/s, where one core reads DRAM at {r.Limits.DramGBps:F1} GB/s. All {Environment.ProcessorCount} " +
                          $"cores together read DRAM at {r.Limits.DramAllCoresGBps:F1} GB/s, so no decode step from DRAM can run more than " +
                          $"{r.Limits.DramAllCoresGBps / forwardGBps:F2}× faster than Forward here; ForwardParallel read {parallelGBps:F1} GB/s " +
                          $"({100 * parallelGBps / r.Limits.DramAllCoresGBps:F0} % of that).");
        }

        return md.ToString();
    }

    /// <summary>One line per shape: the generated kernel's speed, then each peer's time ratio.</summary>
    public static string SummaryTable(QuickResults r)
    {
        var md = new StringBuilder();
        md.AppendLine("| shape | generated (ms) | GFLOP/s | % of peak | % of peak in its rounds | ORT MHA | ORT MatMul/Softmax | TensorPrimitives | Naive |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (ShapeTimes s in r.Shapes)
        {
            double ms = s.Milliseconds("Generated") ?? double.NaN, gflops = Gflops(s.Case, ms);
            md.Append($"| {s.Case.Id}: {s.Case.Description} | {ms:F3} | {gflops:F1} | {100 * gflops / r.Limits.PeakGflops:F0} % | {100 * gflops / s.RoundPeakGflops:F0} % |");
            foreach (string peer in Implementations.Skip(1))
                md.Append(s.Milliseconds(peer) is double p ? $" {p / ms:F2}× |" : " — |");
            md.AppendLine();
        }

        return md.ToString();
    }

    public static string Markdown(QuickResults r)
    {
        var md = new StringBuilder();
        md.AppendLine("# AttentionGen against its peers (quick mode)");
        md.AppendLine();
        md.AppendLine($"Written by `dotnet run -c Release --project benchmarks/AttentionGen.Benchmarks -- --quick` on {DateTime.UtcNow:yyyy-MM-dd}: " +
                      $"{r.Limits.CpuName} (L3 {r.Limits.L3Text}), {r.KernelPath} path, {Environment.ProcessorCount} cores, .NET {Environment.Version}, ONNX Runtime 1.31.1, " +
                      $"System.Numerics.Tensors 11.0.0. Single thread unless marked parallel.");
        md.AppendLine();
        md.AppendLine($"Measured in the same run: one core's FP32 FMA peak **{r.Limits.PeakGflops:F1} GFLOP/s** ({r.Limits.PeakVector}, 12 independent FMA chains; " +
                      $"fastest of 15 runs of ~20 ms, measured before and after the shapes) and DRAM read bandwidth " +
                      $"**{r.Limits.DramGBps:F1} GB/s** (fastest of 5 sums of a 512 MB array; all {Environment.ProcessorCount} cores summing their own " +
                      $"slices at once: {r.Limits.DramAllCoresGBps:F1} GB/s). \"% of peak\" is against that best case; " +
                      "\"% of peak in its rounds\" is against the same FMA loop (~0.5 ms a call) timed as one more contender in the shape's " +
                      "interleaved rounds, so a median meets a median taken through the same interference from the VM's neighbours.");
        md.AppendLine();
        md.AppendLine($"Times are medians of {r.Rounds} interleaved rounds (every implementation once per round, batches of ≥ {r.BatchMilliseconds:F0} ms " +
                      "after ≥ 0.5 s of warm-up). Useful GFLOP/s = 4·D·H·(allowed query/key pairs)/time, causal pairs only. " +
                      "Ratios are peer time / generated time: above 1 the generated kernel is faster. Every implementation was " +
                      "checked against the float64 reference (max abs error < 1e-4) before timing. The machine is a shared VM: " +
                      "compare ratios within a run, not absolute times across runs.");
        md.AppendLine();
        md.AppendLine("![GFLOP/s per shape](perf.svg)");
        md.AppendLine();
        md.AppendLine("## Summary: peer time / generated time");
        md.AppendLine();
        md.Append(SummaryTable(r));
        md.AppendLine();
        md.Append(ParallelTable(r).Replace("#### ", "## ", StringComparison.Ordinal));
        md.AppendLine();
        md.AppendLine("## Per shape");
        foreach (ShapeTimes s in r.Shapes)
        {
            md.AppendLine();
            md.Append(ShapeTable(s, r.Limits));
        }

        md.AppendLine();
        md.AppendLine("ORT MHA is com.microsoft.MultiHeadAttention with query [1,S,H·D] and key/value passed as [1,H,T,D]; " +
                      "ORT MatMul/Softmax is MatMul(Q,Kᵀ)·scale (+ causal mask) → Softmax → MatMul(·,V) on [1,H,S,D] tensors " +
                      "(GQA K/V heads expanded beforehand). Both run with intra-op and inter-op threads 1, sequential execution, " +
                      "inputs and outputs bound once to pinned arrays. Layout conversions happen once, outside the timing.");
        return md.ToString();
    }

    public static string Csv(QuickResults r)
    {
        var csv = new StringBuilder();
        csv.AppendLine("shape,description,implementation,threads,time_ms,gflops,percent_of_peak,percent_of_round_peak,ratio_to_generated,kv_gbps,percent_of_dram");
        foreach (ShapeTimes s in r.Shapes)
        {
            double generated = s.Milliseconds("Generated") ?? double.NaN;
            foreach (ImplementationTime t in s.Times)
            {
                double gflops = Gflops(s.Case, t.Milliseconds), gbps = s.Case.KeyValueBytes / (t.Milliseconds * 1e6);
                bool parallel = t.Implementation == Parallel;
                csv.AppendLine($"{s.Case.Id},\"{s.Case.Description}\",{t.Implementation},{(parallel ? Environment.ProcessorCount : 1)}," +
                               $"{t.Milliseconds:F4},{gflops:F2},{100 * gflops / r.Limits.PeakGflops:F1},{100 * gflops / s.RoundPeakGflops:F1},{t.Milliseconds / generated:F3}," +
                               $"{gbps:F2},{100 * gbps / r.Limits.DramGBps:F1}");
            }
        }

        return csv.ToString();
    }
}
