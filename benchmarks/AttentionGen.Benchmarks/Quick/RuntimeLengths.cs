using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AttentionGen.Benchmarks.Peers;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>
/// Runtime lengths and batches, timed side by side in one process: shape a's kernel (compiled for 128 rows) at shorter
/// lengths against its own full call and against ONNX Runtime's MultiHeadAttention built for each length; a batch
/// of eight sentences of mixed lengths by <c>ForwardBatch</c> on all cores against <c>Forward</c> one item after
/// another on one; and a decode batch of four sequences, in GB/s of K and V read.
/// </summary>
public static class RuntimeLengths
{
    public static readonly int[] Lengths = [17, 37, 64, 100, 128];

    public static readonly int[] SentenceLengths = [128, 100, 77, 64, 50, 37, 20, 9];

    public static readonly int[] DecodeKvLengths = [2048, 1500, 700, 64];

    public sealed record LengthTime(int Length, double GeneratedMs, double OnnxMs);

    public sealed record Results(IReadOnlyList<LengthTime> Lengths, double BatchMs, double SequentialMs, double DecodeBatchMs,
        double DecodeBytes, double DramAllCoresGBps);

    public static Results Measure(int rounds, TimeSpan warmup, TimeSpan batch, double dramAllCoresGBps)
    {
        AttentionShape full = ShapeCases.A.Shape;
        var contenders = new List<Contender>();
        var disposables = new List<IDisposable>();
        try
        {
            foreach (int n in Lengths)
            {
                var inputs = new PeerInputs(ShapeAt(full, n), seed: n);
                var kernel = inputs.Verify(new PrefixKernel(full, n, inputs));
                var onnx = inputs.Verify(new OnnxAttention(OnnxVariant.FusedOp, inputs.Shape, inputs.Query, inputs.Key, inputs.Value));
                disposables.Add(onnx);
                contenders.Add(new Contender($"Generated {n}", kernel.Run));
                contenders.Add(new Contender($"ORT MHA {n}", onnx.Run));
            }

            var sentences = new SentenceBatch(full, SentenceLengths);
            contenders.Add(new Contender("ForwardBatch", sentences.RunBatch));
            contenders.Add(new Contender("Forward each", sentences.RunEach));
            var decode = new DecodeBatch(DecodeKvLengths);
            contenders.Add(new Contender("Decode batch", decode.Run));

            InterleavedTimer.Measure(contenders, rounds, warmup, batch);
            double Median(string name) => contenders.Single(c => c.Name == name).Median;
            var lengths = Lengths.Select(n => new LengthTime(n, Median($"Generated {n}"), Median($"ORT MHA {n}"))).ToList();
            return new Results(lengths, Median("ForwardBatch"), Median("Forward each"), Median("Decode batch"), decode.KeyValueBytes,
                dramAllCoresGBps);
        }
        finally
        {
            foreach (IDisposable d in disposables)
                d.Dispose();
        }
    }

    public static string Markdown(Results r)
    {
        var md = new StringBuilder();
        double fullMs = r.Lengths.Single(l => l.Length == 128).GeneratedMs;
        md.AppendLine("## Runtime lengths and batches");
        md.AppendLine();
        md.AppendLine("Shape a's kernel, compiled for 128 rows and keys, called at n rows and n keys (`Forward(…, n, n)`), against its full call and");
        md.AppendLine("against ONNX Runtime's MultiHeadAttention built for n (one thread each):");
        md.AppendLine();
        md.AppendLine("| n | generated (ms) | time / full call | work / full call | ORT MHA (ms) | ORT MHA / generated |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (LengthTime l in r.Lengths)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {l.Length} | {l.GeneratedMs:F4} | {l.GeneratedMs / fullMs:F3} | {(double)l.Length * l.Length / (128 * 128):F3} | {l.OnnxMs:F4} | {l.OnnxMs / l.GeneratedMs:F2}× |"));
        }

        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"`ForwardBatch` of {SentenceLengths.Length} sentences (lengths {string.Join(", ", SentenceLengths)}; shape a's kernel) on {Environment.ProcessorCount} cores: "
            + $"{r.BatchMs:F3} ms, against {r.SequentialMs:F3} ms for `Forward` on each in turn on one core: **{r.SequentialMs / r.BatchMs:F2}×**."));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Decode batch, S = 1, T = 2048, H = 32 on 8, D = 128, kvLengths {string.Join(", ", DecodeKvLengths)} (`ForwardBatch`, {Environment.ProcessorCount} cores): "
            + $"{r.DecodeBatchMs:F3} ms, K and V read at **{r.DecodeBytes / (r.DecodeBatchMs * 1e6):F1} GB/s** "
            + $"(DRAM read by all cores: {r.DramAllCoresGBps:F1} GB/s)."));
        return md.ToString();
    }

    private static AttentionShape ShapeAt(AttentionShape s, int n) =>
        new(n, s.Heads, s.HeadDim, n, s.KvHeads, s.Causal, s.Scale, s.Layout);

    /// <summary>Shape a's kernel at n rows and keys: the inputs of the n-length shape copied into compiled-size spans.</summary>
    private sealed class PrefixKernel : IAttentionPeer
    {
        private readonly AttentionShape _full, _short;
        private readonly float[] _query, _key, _value, _output;
        private readonly int _n;

        public PrefixKernel(AttentionShape full, int n, PeerInputs inputs)
        {
            (_full, _short, _n) = (full, inputs.Shape, n);
            _query = Expand(inputs.Query, full.QueryLength, full.SeqLen);
            _key = Expand(inputs.Key, full.KeyLength, full.KvLen);
            _value = Expand(inputs.Value, full.ValueLength, full.KvLen);
            _output = new float[full.OutputLength];
        }

        public string Name => $"Generated {_n}";

        public void Run() => ShapeA.Forward(_query, _key, _value, _output, _n, _n);

        public void CopyOutput(Span<float> output)
        {
            for (int h = 0; h < _short.Heads; h++)
                _output.AsSpan(h * _full.SeqLen * _full.HeadDim, _n * _full.HeadDim).CopyTo(output.Slice(h * _n * _short.HeadDim));
        }

        public void Dispose() { }

        /// <summary>HeadMajor rows of n positions per head, placed at the compiled length's stride.</summary>
        private float[] Expand(float[] source, int length, int compiledRows)
        {
            float[] expanded = new float[length];
            int heads = source.Length / (_n * _full.HeadDim);
            for (int h = 0; h < heads; h++)
                source.AsSpan(h * _n * _full.HeadDim, _n * _full.HeadDim).CopyTo(expanded.AsSpan(h * compiledRows * _full.HeadDim));
            return expanded;
        }
    }

    /// <summary>Sentences of mixed lengths through shape a's kernel: one <c>ForwardBatch</c>, or <c>Forward</c> on each.</summary>
    private sealed class SentenceBatch
    {
        private readonly float[] _query, _key, _value, _output;
        private readonly int[] _lengths;

        public SentenceBatch(AttentionShape s, int[] lengths)
        {
            _lengths = lengths;
            var random = new Random(7);
            _query = Random(random, lengths.Length * s.QueryLength);
            _key = Random(random, lengths.Length * s.KeyLength);
            _value = Random(random, lengths.Length * s.ValueLength);
            _output = new float[lengths.Length * s.OutputLength];
            RunBatch();
            float[] batch = (float[])_output.Clone();
            RunEach();
            if (!batch.AsSpan().SequenceEqual(_output))
                throw new InvalidOperationException("ForwardBatch differs from Forward on each item.");
        }

        public void RunBatch() => ShapeA.ForwardBatch(_query, _key, _value, _output, _lengths, _lengths);

        public void RunEach()
        {
            for (int b = 0; b < _lengths.Length; b++)
            {
                ShapeA.Forward(_query.AsSpan(b * ShapeA.QueryLength, ShapeA.QueryLength), _key.AsSpan(b * ShapeA.KeyLength, ShapeA.KeyLength),
                    _value.AsSpan(b * ShapeA.ValueLength, ShapeA.ValueLength), _output.AsSpan(b * ShapeA.OutputLength, ShapeA.OutputLength),
                    _lengths[b], _lengths[b]);
            }
        }
    }

    /// <summary>Four decode steps against caches of different lengths, one <c>ForwardBatch</c>.</summary>
    private sealed class DecodeBatch
    {
        private readonly float[] _query, _key, _value, _output;
        private readonly int[] _queryLengths, _kvLengths;

        public DecodeBatch(int[] kvLengths)
        {
            (_kvLengths, _queryLengths) = (kvLengths, kvLengths.Select(_ => 1).ToArray());
            var random = new Random(11);
            _query = Random(random, kvLengths.Length * DecodeGqa.QueryLength);
            _key = Random(random, kvLengths.Length * DecodeGqa.KeyLength);
            _value = Random(random, kvLengths.Length * DecodeGqa.ValueLength);
            _output = new float[kvLengths.Length * DecodeGqa.OutputLength];
        }

        public double KeyValueBytes => 2.0 * sizeof(float) * DecodeGqa.KvHeads * DecodeGqa.HeadDim * _kvLengths.Sum();

        public void Run() => DecodeGqa.ForwardBatch(_query, _key, _value, _output, _queryLengths, _kvLengths);
    }

    private static float[] Random(Random random, int length)
    {
        float[] data = new float[length];
        for (int i = 0; i < length; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
