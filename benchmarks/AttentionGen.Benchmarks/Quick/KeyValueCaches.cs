using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AttentionGen.Benchmarks.Peers;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>
/// 16-bit key/value caches against float32 ones, side by side in one process on one core: decoding (shape d, and GQA
/// from 4096 keys) with K and V rotated over copies that overflow the last-level cache, so they come from DRAM, in GB/s
/// of K and V bytes read, with ONNX Runtime's GroupQueryAttention from a float16 past cache beside the GQA rows (its
/// cache stays in place, warmer than ours, and it writes the present cache each call); and prefill (shape c) with Half
/// keys and values.
/// </summary>
public static class KeyValueCaches
{
    public sealed record Results(double DecodeF32Ms, double DecodeHalfMs, double DecodeBf16Ms, double GqaF32Ms, double GqaHalfMs,
        double GqaBf16Ms, double GqaOnnxHalfMs, double PrefillF32Ms, double PrefillHalfMs, double DramGBps);

    public static Results Measure(int rounds, TimeSpan warmup, TimeSpan batch, double dramGBps, long lastLevelCacheBytes)
    {
        var random = new Random(23);
        float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        Half[] Halves(float[] x) => x.Select(v => (Half)v).ToArray();
        ushort[] BFloat16s(float[] x) => x.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();

        float[] dq = Floats(ShapeD.QueryLength), dk = Floats(ShapeD.KeyLength), dv = Floats(ShapeD.ValueLength);
        float[] dOut = new float[ShapeD.OutputLength];
        float[] gq = Floats(DecodeGqaLong.QueryLength), gk = Floats(DecodeGqaLong.KeyLength), gv = Floats(DecodeGqaLong.ValueLength);
        float[] gOut = new float[DecodeGqaLong.OutputLength];
        float[] cq = Floats(ShapeC.QueryLength), ck = Floats(ShapeC.KeyLength), cv = Floats(ShapeC.ValueLength);
        float[] cOut = new float[ShapeC.OutputLength];
        Half[] ckHalf = Halves(ck), cvHalf = Halves(cv);

        var decodeF32 = new Cold<float>(dk, dv, lastLevelCacheBytes, (k, v) => ShapeD.Forward(dq, k, v, dOut));
        var decodeHalf = new Cold<Half>(Halves(dk), Halves(dv), lastLevelCacheBytes, (k, v) => ShapeDHalf.Forward(dq, k, v, dOut));
        var decodeBf16 = new Cold<ushort>(BFloat16s(dk), BFloat16s(dv), lastLevelCacheBytes, (k, v) => ShapeDBf16.Forward(dq, k, v, dOut));
        var gqaF32 = new Cold<float>(gk, gv, lastLevelCacheBytes, (k, v) => DecodeGqaLong.Forward(gq, k, v, gOut));
        var gqaHalf = new Cold<Half>(Halves(gk), Halves(gv), lastLevelCacheBytes, (k, v) => DecodeGqaLongHalf.Forward(gq, k, v, gOut));
        var gqaBf16 = new Cold<ushort>(BFloat16s(gk), BFloat16s(gv), lastLevelCacheBytes, (k, v) => DecodeGqaLongBf16.Forward(gq, k, v, gOut));
        using var gqaOnnxHalf = new OnnxHalfCacheDecode(
            new AttentionShape(DecodeGqaLong.SeqLen, DecodeGqaLong.Heads, DecodeGqaLong.HeadDim, DecodeGqaLong.KvLen, DecodeGqaLong.KvHeads, causal: true), gk);
        CheckAgainstOnnxRuntime(gqaOnnxHalf);
        var contenders = new List<Contender>
        {
            new("Decode float32", decodeF32.Run),
            new("Decode Half", decodeHalf.Run),
            new("Decode BFloat16", decodeBf16.Run),
            new("GQA float32", gqaF32.Run),
            new("GQA Half", gqaHalf.Run),
            new("GQA BFloat16", gqaBf16.Run),
            new("GQA ORT Half", gqaOnnxHalf.Run),
            new("Prefill float32", () => ShapeC.Forward(cq, ck, cv, cOut)),
            new("Prefill Half", () => ShapeCHalf.Forward(cq, ckHalf, cvHalf, cOut)),
        };
        InterleavedTimer.Measure(contenders, rounds, warmup, batch);
        double Median(string name) => contenders.Single(c => c.Name == name).Median;
        return new Results(Median("Decode float32"), Median("Decode Half"), Median("Decode BFloat16"), Median("GQA float32"),
            Median("GQA Half"), Median("GQA BFloat16"), Median("GQA ORT Half"), Median("Prefill float32"), Median("Prefill Half"), dramGBps);
    }

    public static string Markdown(Results r)
    {
        var md = new StringBuilder();
        md.AppendLine("## 16-bit key/value caches");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"One core; decoding reads K and V from DRAM (rotated copies overflow the last-level cache); DRAM read by one core: {r.DramGBps:F1} GB/s."));
        md.AppendLine();
        md.AppendLine("| work | cache | time (ms) | K+V read (GB/s) | % of DRAM | float32 time / this | target |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        double dBytes = 2.0 * ShapeD.KeyLength, gBytes = 2.0 * DecodeGqaLong.KeyLength;
        void Row(string work, string cache, double ms, double elements, int elementSize, double f32Ms, string target)
        {
            double gbps = elements * elementSize / (ms * 1e6);
            string dram = elements > 0 ? string.Create(CultureInfo.InvariantCulture, $"{gbps:F1} | {100 * gbps / r.DramGBps:F0} %") : "– | –";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {work} | {cache} | {ms:F3} | {dram} | {f32Ms / ms:F2}× | {target} |"));
        }

        Row("decode S 1, T 2048, H 32, D 128 (d)", "float32", r.DecodeF32Ms, dBytes, 4, r.DecodeF32Ms, "");
        Row("decode S 1, T 2048, H 32, D 128 (d)", "Half", r.DecodeHalfMs, dBytes, 2, r.DecodeF32Ms, "≥ 1.6×, ≥ 80 % of DRAM");
        Row("decode S 1, T 2048, H 32, D 128 (d)", "BFloat16", r.DecodeBf16Ms, dBytes, 2, r.DecodeF32Ms, "≥ 1.7×, ≥ 80 % of DRAM");
        Row("GQA decode S 1, T 4096, H 32/8, D 128", "float32", r.GqaF32Ms, gBytes, 4, r.GqaF32Ms, "");
        Row("GQA decode S 1, T 4096, H 32/8, D 128", "Half", r.GqaHalfMs, gBytes, 2, r.GqaF32Ms, "≥ 1.6×");
        Row("GQA decode S 1, T 4096, H 32/8, D 128", "BFloat16", r.GqaBf16Ms, gBytes, 2, r.GqaF32Ms, "");
        Row("GQA decode S 1, T 4096, H 32/8, D 128", "ORT GroupQueryAttention, float16 past", r.GqaOnnxHalfMs, gBytes, 2, r.GqaF32Ms, "peer");
        Row("prefill S = T = 512, H 8, D 64 (c)", "float32", r.PrefillF32Ms, 0, 4, r.PrefillF32Ms, "");
        Row("prefill S = T = 512, H 8, D 64 (c)", "Half", r.PrefillHalfMs, 0, 2, r.PrefillF32Ms, "≥ 0.91× (time ≤ 1.10×)");
        return md.ToString();
    }

    /// <summary>The Half GQA kernel and ONNX Runtime agree on the same float16 numbers (ORT's float16 output rounds at
    /// 2⁻¹¹ relative), or the peer is not doing this work and is not timed.</summary>
    private static void CheckAgainstOnnxRuntime(OnnxHalfCacheDecode onnx)
    {
        var (query, key, value) = onnx.Inputs();
        float[] ours = new float[DecodeGqaLongHalf.OutputLength];
        DecodeGqaLongHalf.Forward(query, key, value, ours);
        onnx.Run();
        float[] theirs = onnx.Output();
        double worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b) / Math.Max(1e-2, Math.Abs(a))).Max();
        if (!(worst <= 2e-3))
            throw new InvalidOperationException($"ONNX Runtime's float16 GroupQueryAttention differs from the Half kernel by {worst:E2} (relative)");
    }

    /// <summary>A decode call whose K and V rotate over copies that together overflow the last-level cache.</summary>
    private sealed class Cold<T>
    {
        private readonly T[][] _keys, _values;
        private readonly Action<T[], T[]> _call;
        private int _next;

        public Cold(T[] key, T[] value, long lastLevelCacheBytes, Action<T[], T[]> call)
        {
            long bytes = 2L * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() * key.Length;
            int copies = (int)Math.Min(64, 2 * lastLevelCacheBytes / bytes + 2);
            _keys = Enumerable.Range(0, copies).Select(_ => (T[])key.Clone()).ToArray();
            _values = Enumerable.Range(0, copies).Select(_ => (T[])value.Clone()).ToArray();
            _call = call;
        }

        public void Run()
        {
            _call(_keys[_next], _values[_next]);
            _next = (_next + 1) % _keys.Length;
        }
    }
}
