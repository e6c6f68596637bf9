using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AttentionGen;
using AttentionGen.Reference;
using SentenceEmbeddings;
using Xunit;

namespace SentenceEmbeddings.Tests;

/// <summary>all-MiniLM-L6-v2 in managed C# against ONNX Runtime running the same model.onnx on the same tokens.</summary>
public class MiniLmTests
{
    private static readonly MiniLmWeights Weights = MiniLmWeights.Load();
    private static readonly Tokens Tokenizer = new();

    /// <summary>Over 200 sentences from 2 tokens ([CLS] [SEP]) to 256 (truncated): words, punctuation, numbers,
    /// non-ASCII text, long passages. The test adds a sequence of one token, [CLS] alone.</summary>
    private static IReadOnlyList<string> Sentences()
    {
        string[] words = ["the", "model", "attention", "kernel", "runs", "fast", "on", "a", "CPU", "while", "ONNX", "Runtime",
            "computes", "sentence", "embeddings", "café", "naïve", "Zürich", "東京", "данные", "λόγος", "🙂", "42", "3.14159",
            "1,000,000", "e-mail", "don't", "(parenthesis)", "semi;colon", "question?", "wow!", "C#", ".NET", "AVX-512"];
        var random = new Random(12345);
        var sentences = new List<string> { "", "Hi", "Hello, world!", "The quick brown fox jumps over the lazy dog." };
        for (int n = 0; n < 196; n++)
        {
            int length = n < 150 ? 1 + random.Next(40) : 60 + random.Next(300); // the last ones run past 256 tokens
            sentences.Add(string.Join(" ", Enumerable.Range(0, length).Select(_ => words[random.Next(words.Length)])));
        }

        return sentences;
    }

    [Fact]
    public void EveryEmbeddingEqualsOnnxRuntimes()
    {
        int[][] tokens = [[101], .. Sentences().Select(Tokenizer.Of)];
        Assert.Contains(tokens, t => t.Length == 2);
        Assert.Contains(tokens, t => t.Length == MiniLmWeights.MaxTokens);
        var encoder = new MiniLmEncoder(Weights);
        using var onnx = new OnnxMiniLm(Weights.Model, threads: Environment.ProcessorCount);
        for (int start = 0; start < tokens.Length; start += 16)
        {
            int[][] batch = tokens.Skip(start).Take(16).ToArray();
            float[][] ours = encoder.EncodeBatch(batch), reference = onnx.EncodeBatch(batch);
            for (int i = 0; i < batch.Length; i++)
            {
                float cosine = TensorPrimitives.CosineSimilarity<float>(ours[i], reference[i]);
                float difference = ours[i].Zip(reference[i], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(cosine >= 0.99999f && difference <= 1e-4f,
                    $"sentence {start + i} ({batch[i].Length} tokens): cosine {cosine}, largest difference {difference}");
            }
        }
    }

    [Fact]
    public void ABatchWithPaddingEqualsTheSentencesOneByOne()
    {
        int[][] tokens = Sentences().Take(12).Select(Tokenizer.Of).ToArray();
        var encoder = new MiniLmEncoder(Weights);
        float[][] batch = encoder.EncodeBatch(tokens);
        for (int i = 0; i < tokens.Length; i++)
            Assert.Equal(encoder.Encode(tokens[i]), batch[i]);
    }

    [Fact]
    public void TheFirstLayersAttentionMatchesTheFloat64ReferenceOnRealActivations()
    {
        var shape = new AttentionShape(MiniLmAttention.SeqLen, MiniLmAttention.Heads, MiniLmAttention.HeadDim, layout: AttentionLayout.TokenMajor);
        foreach (string sentence in Sentences().Where((_, i) => i % 40 == 3))
        {
            int[] tokens = Tokenizer.Of(sentence);
            var (query, key, value) = new MiniLmEncoder(Weights).FirstLayerProjections(tokens);
            float[] output = new float[MiniLmAttention.OutputLength];
            MiniLmAttention.Forward(query, key, value, output, tokens.Length, tokens.Length);
            double[] expected = AttentionReference.ForwardExact(shape, query, key, value, tokens.Length, tokens.Length);
            double bar = 4e-6 * Math.Max(1, expected.Take(tokens.Length * 384).Max(Math.Abs));
            for (int n = 0; n < tokens.Length * 384; n++)
                Assert.True(Math.Abs(output[n] - expected[n]) <= bar, $"{tokens.Length} tokens: element {n} is {output[n]}, expected {expected[n]}");
        }
    }
}
