using System;
using System.Diagnostics;
using System.Linq;

namespace SentenceEmbeddings;

/// <summary>
/// <c>--benchmark</c>: one core, one sentence at a time, sentences of 16, 64, 128 and 256 tokens: the managed encoder's
/// throughput against ONNX Runtime's (one intra-op thread), and the time of all six layers' attention in each, the
/// managed kernel's by a stopwatch around its calls, ONNX Runtime's from its own profiler; then a batch on every core.
/// </summary>
public static class Benchmark
{
    public static void Run()
    {
        var weights = MiniLmWeights.Load();
        var encoder = new MiniLmEncoder(weights);
        var random = new Random(5);
        Console.WriteLine("| tokens | managed (sentences/s) | ONNX Runtime (sentences/s) | managed / ORT "
            + "| attention, managed (µs) | attention, ORT profiler (µs) | ORT / managed |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int length in new[] { 16, 64, 128, 256 })
        {
            // Token ids of ordinary words, between [CLS] (101) and [SEP] (102).
            int[] tokens = [101, .. Enumerable.Range(0, length - 2).Select(_ => 2000 + random.Next(20000)), 102];
            double managed = Rate(() => encoder.Encode(tokens));
            const int calls = 30;
            encoder.AttentionTime = TimeSpan.Zero;
            for (int i = 0; i < calls; i++)
                encoder.Encode(tokens);
            double attention = encoder.AttentionTime.TotalMicroseconds / calls;
#if ONNX_RUNTIME
            using var onnx = new OnnxMiniLm(weights.Model);
            double ort = Rate(() => onnx.Encode(tokens));
            double ortAttention = OnnxAttentionProfile.Measure(weights.Model, tokens, calls).Attention;
            Console.WriteLine($"| {length} | {managed:F0} | {ort:F0} | {managed / ort:F2}× | {attention:F0} | {ortAttention:F0} | {ortAttention / attention:F2}× |");
#else
            Console.WriteLine($"| {length} | {managed:F0} | – | – | {attention:F0} | – | – |");
#endif
        }

        Console.WriteLine();
        Batch(weights, encoder, random);
    }

    /// <summary>Both cores, a batch of 32 sentences of 16 to 256 tokens: <c>EncodeBatch</c> against ONNX Runtime with
    /// two intra-op threads on the padded batch.</summary>
    private static void Batch(MiniLmWeights weights, MiniLmEncoder encoder, Random random)
    {
        int[][] batch = Enumerable.Range(0, 32)
            .Select(_ => (int[])[101, .. Enumerable.Range(0, 14 + random.Next(241)).Select(_ => 2000 + random.Next(20000)), 102])
            .ToArray();
        double managed = Rate(() => encoder.EncodeBatch(batch)) * batch.Length;
#if ONNX_RUNTIME
        using var onnx = new OnnxMiniLm(weights.Model, threads: Environment.ProcessorCount);
        double ort = Rate(() => onnx.EncodeBatch(batch)) * batch.Length;
        Console.WriteLine($"{Environment.ProcessorCount} cores, a batch of 32 sentences of 16 to 256 tokens: {managed:F0} sentences/s managed "
            + $"(EncodeBatch), {ort:F0} ONNX Runtime ({Environment.ProcessorCount} threads, one padded batch): {managed / ort:F2}×.");
#else
        Console.WriteLine($"{Environment.ProcessorCount} cores, a batch of 32 sentences of 16 to 256 tokens: {managed:F0} sentences/s.");
#endif
    }

    private static double Rate(Action encode)
    {
        for (int i = 0; i < 3; i++)
            encode();
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.Elapsed.TotalSeconds < 1.5)
        {
            encode();
            calls++;
        }

        return calls / clock.Elapsed.TotalSeconds;
    }
}
