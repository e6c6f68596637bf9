using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AttentionGen.Benchmarks.Peers;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>
/// The decoder variants' cost, timed side by side in one process on one core: a 256-key window against the same causal
/// kernel without one (S = T = 2048, H = 8 on 2, D = 128), and soft-cap, ALiBi and sinks each against the same causal
/// kernel without them (S = T = 1024, H = 16 on 8, D = 128); and soft-cap 50 with a 256-key window against ONNX Runtime's
/// GroupQueryAttention with the same softcap and local_window_size.
/// </summary>
public static class DecoderVariants
{
    public sealed record Results(double CausalLongMs, double WindowMs, double BaseMs, double SoftcapMs, double AlibiMs, double SinksMs,
        double SoftcapWindowMs, double OnnxSoftcapWindowMs);

    public static Results Measure(int rounds, TimeSpan warmup, TimeSpan batch)
    {
        var random = new Random(17);
        float[] Random(int length) => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] lq = Random(CausalLong.QueryLength), lk = Random(CausalLong.KeyLength), lv = Random(CausalLong.ValueLength);
        float[] lo = new float[CausalLong.OutputLength];
        float[] q = Random(Causal1024.QueryLength), k = Random(Causal1024.KeyLength), v = Random(Causal1024.ValueLength);
        float[] o = new float[Causal1024.OutputLength], sinks = Random(Causal1024.Heads);

        var gemma = new AttentionShape(Causal1024.SeqLen, Causal1024.Heads, Causal1024.HeadDim, Causal1024.KvLen, Causal1024.KvHeads,
            causal: true, window: 256, softcap: 50);
        using var onnx = new OnnxAttention(OnnxVariant.FusedOp, gemma, q, k, v);
        float[] onnxOutput = new float[gemma.OutputLength];
        onnx.Run();
        onnx.CopyOutput(onnxOutput);
        Causal1024SoftcapWindow.Forward(q, k, v, o);
        double difference = onnxOutput.Zip(o, (a, b) => Math.Abs(a - b)).Max();
        if (!(difference < 1e-4))
            throw new InvalidOperationException($"ORT GroupQueryAttention differs from the generated kernel by {difference}.");

        var contenders = new List<Contender>
        {
            new("Causal 2048", () => CausalLong.Forward(lq, lk, lv, lo)),
            new("Window 256", () => CausalLongWindow.Forward(lq, lk, lv, lo)),
            new("Causal 1024", () => Causal1024.Forward(q, k, v, o)),
            new("Softcap 50", () => Causal1024Softcap.Forward(q, k, v, o)),
            new("ALiBi", () => Causal1024Alibi.Forward(q, k, v, o)),
            new("Sinks", () => Causal1024Sinks.Forward(q, k, v, sinks, o)),
            new("Softcap + window", () => Causal1024SoftcapWindow.Forward(q, k, v, o)),
            new("ORT GQA softcap + window", onnx.Run),
        };
        InterleavedTimer.Measure(contenders, rounds, warmup, batch);
        double Median(string name) => contenders.Single(c => c.Name == name).Median;
        return new Results(Median("Causal 2048"), Median("Window 256"), Median("Causal 1024"), Median("Softcap 50"), Median("ALiBi"),
            Median("Sinks"), Median("Softcap + window"), Median("ORT GQA softcap + window"));
    }

    public static string Markdown(Results r)
    {
        var md = new StringBuilder();
        md.AppendLine("## Decoder variants");
        md.AppendLine();
        md.AppendLine("Each variant against the same causal kernel without it, one core, `Forward` at the compiled lengths:");
        md.AppendLine();
        md.AppendLine("| variant | shape | time (ms) | without (ms) | ratio | target |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        void Row(string variant, string shape, double ms, double baseMs, string target) =>
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {variant} | {shape} | {ms:F2} | {baseMs:F2} | {ms / baseMs:F3} | {target} |"));
        Row("`Window = 256`", "S = T = 2048, H 8/2, D 128", r.WindowMs, r.CausalLongMs, "≤ 0.30 (pairs 0.23)");
        Row("`Softcap = 50`", "S = T = 1024, H 16/8, D 128", r.SoftcapMs, r.BaseMs, "≤ 1.25");
        Row("`Alibi`", "S = T = 1024, H 16/8, D 128", r.AlibiMs, r.BaseMs, "≤ 1.15");
        Row("`Sinks`", "S = T = 1024, H 16/8, D 128", r.SinksMs, r.BaseMs, "≤ 1.05");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Soft-cap 50 and a 256-key window on S = T = 1024, H 16/8, D 128: generated {r.SoftcapWindowMs:F2} ms, ONNX Runtime's "
            + $"GroupQueryAttention (softcap, local_window_size; one thread) {r.OnnxSoftcapWindowMs:F2} ms: "
            + $"**{r.OnnxSoftcapWindowMs / r.SoftcapWindowMs:F2}×** (target ≥ 2)."));
        return md.ToString();
    }
}
