using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using SentenceEmbeddings;

// Sentence embeddings with all-MiniLM-L6-v2 in managed C#: the sentences on the command line (or a built-in set),
// their cosine-similarity matrix, the agreement with ONNX Runtime on the same tokens, and sentences per second.
// --benchmark: end-to-end throughput against ONNX Runtime on 128-token sentences, and the attention's share.
if (args is ["--benchmark"])
{
    Benchmark.Run();
    return;
}

string[] sentences = args.Length > 0 ? args :
[
    "The cat sits on the mat.",
    "A kitten is resting on a rug.",
    "Stock markets fell sharply on Monday.",
    "Investors sold shares as prices dropped at the start of the week.",
    "AttentionGen turns one attribute into a fast attention kernel.",
];

var weights = MiniLmWeights.Load();
var tokens = new Tokens();
var encoder = new MiniLmEncoder(weights);
var ids = sentences.Select(tokens.Of).ToArray();
float[][] embeddings = encoder.EncodeBatch(ids);

Console.WriteLine($"all-MiniLM-L6-v2, {sentences.Length} sentences, attention by AttentionGen ({MiniLmAttention.ActivePath}):");
for (int i = 0; i < sentences.Length; i++)
    Console.WriteLine($"  [{i}] {ids[i].Length,3} tokens  {sentences[i]}");
Console.WriteLine();
Console.WriteLine("Cosine similarity:");
Console.WriteLine("      " + string.Concat(Enumerable.Range(0, sentences.Length).Select(j => $"{j,8}")));
for (int i = 0; i < sentences.Length; i++)
{
    Console.WriteLine($"  [{i}] " + string.Concat(Enumerable.Range(0, sentences.Length)
        .Select(j => TensorPrimitives.Dot<float>(embeddings[i], embeddings[j]).ToString("F4", CultureInfo.InvariantCulture).PadLeft(8))));
}

double Rate(Action encodeAll)
{
    encodeAll();
    var clock = Stopwatch.StartNew();
    int rounds = 0;
    while (clock.Elapsed.TotalSeconds < 1 || rounds < 3)
    {
        encodeAll();
        rounds++;
    }

    return rounds * sentences.Length / clock.Elapsed.TotalSeconds;
}

double managed = Rate(() => { foreach (int[] s in ids) encoder.Encode(s); });
Console.WriteLine();
#if ONNX_RUNTIME
using (var onnx = new OnnxMiniLm(weights.Model))
{
    float[][] reference = onnx.EncodeBatch(ids);
    double worstCosine = 1, worstDifference = 0;
    for (int i = 0; i < sentences.Length; i++)
    {
        worstCosine = Math.Min(worstCosine, TensorPrimitives.CosineSimilarity<float>(embeddings[i], reference[i]));
        worstDifference = Math.Max(worstDifference, embeddings[i].Zip(reference[i], (a, b) => Math.Abs(a - b)).Max());
    }

    Console.WriteLine($"Against ONNX Runtime on the same tokens: lowest cosine {worstCosine:F7}, largest difference {worstDifference:E2}.");
    double ort = Rate(() => { foreach (int[] s in ids) onnx.Encode(s); });
    Console.WriteLine($"One core, one sentence at a time: {managed:F0} sentences/s managed, {ort:F0} sentences/s ONNX Runtime ({managed / ort:F2}×).");
}
#else
Console.WriteLine($"One core, one sentence at a time: {managed:F0} sentences/s.");
#endif
