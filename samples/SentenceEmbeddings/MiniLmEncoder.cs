using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using AttentionGen;

namespace SentenceEmbeddings;

/// <summary>all-MiniLM-L6-v2's attention: 12 heads of 32, compiled for 256 tokens and called at each sentence's length.
/// TokenMajor, so Q, K and V are the projections' outputs as they are.</summary>
[AttentionKernel(SeqLen = MiniLmWeights.MaxTokens, Heads = MiniLmWeights.Heads, HeadDim = MiniLmWeights.HeadDim,
    Layout = AttentionLayout.TokenMajor)]
public static partial class MiniLmAttention { }

/// <summary>
/// The BERT encoder of all-MiniLM-L6-v2 in managed C#, with mean pooling and L2 normalization as sentence-transformers
/// does them: token ids in, a unit vector of 384 out. A batch runs each layer's attention as one
/// <c>ForwardBatch</c>. Not thread-safe: one instance holds its buffers.
/// </summary>
public sealed class MiniLmEncoder(MiniLmWeights weights)
{
    private const int Hidden = MiniLmWeights.Hidden, MaxTokens = MiniLmWeights.MaxTokens;
    private readonly List<Buffers> _buffers = [];
    private float[] _queries = [], _keys = [], _values = [], _attended = [];

    /// <summary>Seconds spent in attention since the last reset, for the attention-only comparison.</summary>
    public TimeSpan AttentionTime { get; set; }

    /// <summary>One sentence's embedding.</summary>
    public float[] Encode(IReadOnlyList<int> tokens, bool parallel = false) => EncodeBatch([tokens], parallel)[0];

    /// <summary>Each sentence's embedding; the sentences go through each layer together.</summary>
    public float[][] EncodeBatch(IReadOnlyList<IReadOnlyList<int>> sentences, bool parallel = true)
    {
        int batch = sentences.Count;
        if (sentences.Any(s => s.Count is < 1 or > MaxTokens))
            throw new ArgumentException($"Every sentence must have 1 to {MaxTokens} tokens.", nameof(sentences));
        while (_buffers.Count < batch)
            _buffers.Add(new Buffers());
        int[] lengths = sentences.Select(s => s.Count).ToArray();
        if (_queries.Length < batch * MiniLmAttention.QueryLength)
        {
            _queries = new float[batch * MiniLmAttention.QueryLength];
            _keys = new float[batch * MiniLmAttention.KeyLength];
            _values = new float[batch * MiniLmAttention.ValueLength];
            _attended = new float[batch * MiniLmAttention.OutputLength];
        }

        // Each item at the kernel's compiled size, one after another, as ForwardBatch takes them.
        Span<float> queries = _queries.AsSpan(0, batch * MiniLmAttention.QueryLength), keys = _keys.AsSpan(0, batch * MiniLmAttention.KeyLength);
        Span<float> values = _values.AsSpan(0, batch * MiniLmAttention.ValueLength), attended = _attended.AsSpan(0, batch * MiniLmAttention.OutputLength);

        // The sentences' dense layers run side by side on the machine's cores when parallel; attention is one ForwardBatch.
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallel ? Environment.ProcessorCount : 1 };
        float[] queryBuffer = _queries, keyBuffer = _keys, valueBuffer = _values, attendedBuffer = _attended;
        Parallel.For(0, batch, options, b => Embed(sentences[b], _buffers[b].Hidden));
        foreach (EncoderLayer layer in weights.EncoderLayers)
        {
            Parallel.For(0, batch, options, b =>
            {
                ReadOnlySpan<float> x = _buffers[b].Hidden.AsSpan(0, lengths[b] * Hidden);
                DenseMath.Linear(x, lengths[b], layer.Query, queryBuffer.AsSpan(b * MiniLmAttention.QueryLength));
                DenseMath.Linear(x, lengths[b], layer.Key, keyBuffer.AsSpan(b * MiniLmAttention.KeyLength));
                DenseMath.Linear(x, lengths[b], layer.Value, valueBuffer.AsSpan(b * MiniLmAttention.ValueLength));
            });

            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            if (batch == 1 && !parallel)
                MiniLmAttention.Forward(queries, keys, values, attended, lengths[0], lengths[0]);
            else
                MiniLmAttention.ForwardBatch(queries, keys, values, attended, lengths, lengths);
            AttentionTime += System.Diagnostics.Stopwatch.GetElapsedTime(start);

            Parallel.For(0, batch, options, b =>
                FinishLayer(layer, attendedBuffer.AsSpan(b * MiniLmAttention.OutputLength, lengths[b] * Hidden), lengths[b], _buffers[b]));
        }

        return Enumerable.Range(0, batch).Select(b => Pool(_buffers[b].Hidden.AsSpan(0, lengths[b] * Hidden), lengths[b])).ToArray();
    }

    /// <summary>The first layer's Q, K and V for a sentence, at the attention kernel's compiled size: real activations
    /// for checking the kernel against the float64 reference.</summary>
    public (float[] Query, float[] Key, float[] Value) FirstLayerProjections(IReadOnlyList<int> tokens)
    {
        var buffers = new Buffers();
        Embed(tokens, buffers.Hidden);
        EncoderLayer layer = weights.EncoderLayers[0];
        float[] query = new float[MiniLmAttention.QueryLength], key = new float[MiniLmAttention.KeyLength], value = new float[MiniLmAttention.ValueLength];
        ReadOnlySpan<float> x = buffers.Hidden.AsSpan(0, tokens.Count * Hidden);
        DenseMath.Linear(x, tokens.Count, layer.Query, query);
        DenseMath.Linear(x, tokens.Count, layer.Key, key);
        DenseMath.Linear(x, tokens.Count, layer.Value, value);
        return (query, key, value);
    }

    /// <summary>Word, position and token-type (0) embeddings, then LayerNorm.</summary>
    private void Embed(IReadOnlyList<int> tokens, float[] hidden)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            Span<float> row = hidden.AsSpan(i * Hidden, Hidden);
            TensorPrimitives.Add(weights.WordEmbeddings.AsSpan(tokens[i] * Hidden, Hidden), weights.PositionEmbeddings.AsSpan(i * Hidden, Hidden), row);
            TensorPrimitives.Add(row, weights.TokenTypeEmbeddings.AsSpan(0, Hidden), row);
        }

        DenseMath.LayerNorm(hidden, tokens.Count, weights.EmbeddingNorm);
    }

    /// <summary>The rest of a layer after attention: output projection, residual, LayerNorm; feed-forward with GELU,
    /// residual, LayerNorm.</summary>
    private static void FinishLayer(EncoderLayer layer, ReadOnlySpan<float> attended, int tokens, Buffers buffers)
    {
        Span<float> hidden = buffers.Hidden.AsSpan(0, tokens * Hidden), projected = buffers.Projected.AsSpan(0, tokens * Hidden);
        DenseMath.Linear(attended, tokens, layer.AttentionOutput, projected);
        TensorPrimitives.Add(projected, hidden, hidden);
        DenseMath.LayerNorm(hidden, tokens, layer.AttentionNorm);

        Span<float> intermediate = buffers.Intermediate.AsSpan(0, tokens * layer.Intermediate.Out);
        DenseMath.Linear(hidden, tokens, layer.Intermediate, intermediate);
        DenseMath.Gelu(intermediate);
        DenseMath.Linear(intermediate, tokens, layer.Output, projected);
        TensorPrimitives.Add(projected, hidden, hidden);
        DenseMath.LayerNorm(hidden, tokens, layer.OutputNorm);
    }

    /// <summary>Mean over the tokens, then L2 normalization.</summary>
    public static float[] Pool(ReadOnlySpan<float> hidden, int tokens)
    {
        float[] embedding = new float[Hidden];
        for (int i = 0; i < tokens; i++)
            TensorPrimitives.Add(embedding, hidden.Slice(i * Hidden, Hidden), embedding);
        TensorPrimitives.Divide(embedding, TensorPrimitives.Norm<float>(embedding), embedding);
        return embedding;
    }

    private sealed class Buffers
    {
        public readonly float[] Hidden = new float[MaxTokens * MiniLmWeights.Hidden];
        public readonly float[] Projected = new float[MaxTokens * MiniLmWeights.Hidden];
        public readonly float[] Intermediate = new float[MaxTokens * 4 * MiniLmWeights.Hidden];
    }
}
