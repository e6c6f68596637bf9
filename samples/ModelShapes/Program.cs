using System;
using System.Diagnostics;
using System.Linq;
using AttentionGen;
using AttentionGen.Reference;
using ModelShapes;

// Runs each model shape's generated kernel, times it, and checks it against the float64 reference.
Console.WriteLine("AttentionGen model shapes: generated kernels, timed (median) and checked against the float64 reference.");
Console.WriteLine($"Code path: {BertBaseAttention.ActivePath}; {Environment.ProcessorCount} cores.");
Console.WriteLine();
Console.WriteLine($"| {"shape",-34} | {"kvLength",8} | {"Forward ms",10} | {"GFLOP/s",7} | {"Parallel ms",11} | {"max error",9} | {"bar",9} |");
Console.WriteLine($"|{new string('-', 36)}|{new string('-', 10)}|{new string('-', 12)}|{new string('-', 9)}|{new string('-', 13)}|{new string('-', 11)}|{new string('-', 11)}|");

bool allPass = true;
allPass &= Run("BERT-base S=T=128 H=12 D=64", new AttentionShape(128, 12, 64), 128,
    (q, k, v, o, n) => BertBaseAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => BertBaseAttention.ForwardParallel(q, k, v, o, n));
allPass &= Run("ViT-B/16 S=T=197 H=12 D=64 tokens", new AttentionShape(197, 12, 64, layout: AttentionLayout.TokenMajor), 197,
    (q, k, v, o, n) => VitBaseAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => VitBaseAttention.ForwardParallel(q, k, v, o, n));
allPass &= Run("Whisper-base enc S=T=1500 H=8 D=64", new AttentionShape(1500, 8, 64), 1500,
    (q, k, v, o, n) => WhisperEncoderAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => WhisperEncoderAttention.ForwardParallel(q, k, v, o, n));
allPass &= Run("prefill S=T=512 H=8 D=64 causal", new AttentionShape(512, 8, 64, causal: true), 512,
    (q, k, v, o, n) => DecoderPrefillAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => DecoderPrefillAttention.ForwardParallel(q, k, v, o, n));
allPass &= Run("Llama decode T=2048 H=32/8 D=128", new AttentionShape(1, 32, 128, 2048, 8, true, layout: AttentionLayout.TokenMajor), 1500,
    (q, k, v, o, n) => LlamaDecodeAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => LlamaDecodeAttention.ForwardParallel(q, k, v, o, n));
allPass &= Run("MQA decode T=4096 H=48/1 D=128", new AttentionShape(1, 48, 128, 4096, 1, true), 3000,
    (q, k, v, o, n) => MultiQueryDecodeAttention.Forward(q, k, v, o, n), (q, k, v, o, n) => MultiQueryDecodeAttention.ForwardParallel(q, k, v, o, n));

allPass &= RunSentences([128, 100, 77, 64, 50, 37, 20, 9]);

Console.WriteLine();
Console.WriteLine(allPass ? "All shapes within the accuracy bar." : "Some shape is outside the accuracy bar.");
return allPass ? 0 : 1;

static bool Run(string name, AttentionShape shape, int kvLength, Kernel forward, Kernel parallel)
{
    var random = new Random(42);
    float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    float[] query = Random(shape.QueryLength), key = Random(shape.KeyLength), value = Random(shape.ValueLength);
    float[] output = new float[shape.OutputLength];

    double forwardMs = MedianMilliseconds(() => forward(query, key, value, output, kvLength));
    double parallelMs = MedianMilliseconds(() => parallel(query, key, value, output, kvLength));
    forward(query, key, value, output, kvLength);

    double[] exact = AttentionReference.ForwardExact(shape, query, key, value, kvLength);
    double error = exact.Select((x, i) => Math.Abs(x - output[i])).Max();
    double maxAbs = exact.Max(Math.Abs);
    // The contract's bar: max(8 · e32, 4e-6 · max(1, max|output|)); 4e-6 · max(1, max|output|) alone is the stricter side.
    double bar = 4e-6 * Math.Max(1, maxAbs);
    double flops = 4.0 * shape.HeadDim * shape.Heads * AllowedPairs(shape, kvLength);
    Console.WriteLine($"| {name,-34} | {kvLength,8} | {forwardMs,10:F3} | {flops / forwardMs / 1e6,7:F1} | {parallelMs,11:F3} | {error,9:E2} | {bar,9:E2} |");
    return error <= bar;
}

// A batch of sentences of mixed lengths through the BERT-base kernel compiled for 128 tokens: one ForwardBatch call,
// each sentence at its own length (no padding computed), spread over the cores; each checked against the reference.
static bool RunSentences(int[] lengths)
{
    var shape = new AttentionShape(128, 12, 64);
    var random = new Random(7);
    float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    int items = lengths.Length;
    float[] query = Random(items * shape.QueryLength), key = Random(items * shape.KeyLength), value = Random(items * shape.ValueLength);
    float[] output = new float[items * shape.OutputLength];
    double batchMs = MedianMilliseconds(() => BertBaseAttention.ForwardBatch(query, key, value, output, lengths, lengths));

    double error = 0, bar = 0;
    for (int b = 0; b < items; b++)
    {
        int n = lengths[b];
        double[] exact = AttentionReference.ForwardExact(shape, query.AsSpan(b * shape.QueryLength, shape.QueryLength),
            key.AsSpan(b * shape.KeyLength, shape.KeyLength), value.AsSpan(b * shape.ValueLength, shape.ValueLength), n, n);
        for (int i = 0; i < exact.Length; i++)
        {
            if (double.IsNaN(exact[i]))
                continue; // a row past the sentence's length: not computed
            error = Math.Max(error, Math.Abs(exact[i] - output[b * shape.OutputLength + i]));
            bar = Math.Max(bar, 4e-6 * Math.Max(1, Math.Abs(exact[i])));
        }
    }

    double flops = lengths.Sum(n => 4.0 * shape.HeadDim * shape.Heads * n * n);
    Console.WriteLine($"| {$"BERT-base {items} sentences (batch)",-34} | {"n each",8} | {"",10} | {flops / batchMs / 1e6,7:F1} | {batchMs,11:F3} | {error,9:E2} | {bar,9:E2} |");
    return error <= bar;
}

static long AllowedPairs(AttentionShape shape, int kvLength) =>
    Enumerable.Range(0, shape.SeqLen).Sum(i => (long)(shape.Causal ? Math.Clamp(i + kvLength - shape.SeqLen + 1, 0, kvLength) : kvLength));

static double MedianMilliseconds(Action action)
{
    // Warm up past tiered compilation (a second: until the runtime's background re-JIT of the process's start-up
    // code is done, it takes a core that ForwardParallel wants), then time batches of calls for about half a second.
    var clock = Stopwatch.StartNew();
    while (clock.ElapsedMilliseconds < 1000)
        action();
    var times = new double[15];
    for (int r = 0; r < times.Length; r++)
    {
        var batch = Stopwatch.StartNew();
        int calls = 0;
        do
        {
            action();
            calls++;
        }
        while (batch.ElapsedMilliseconds < 30);
        times[r] = batch.Elapsed.TotalMilliseconds / calls;
    }

    Array.Sort(times);
    return times[times.Length / 2];
}

delegate void Kernel(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Span<float> output, int kvLength);
