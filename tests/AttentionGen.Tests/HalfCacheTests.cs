using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AttentionGen.Kernels;
using AttentionGen.Reference;
using AttentionGen.Tests.HalfCache;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// Kernels with 16-bit key/value caches (<c>KvType = Half</c> or <c>BFloat16</c>): the conversion on every path, the
/// golden cases, and our own against the float64 reference on the stored values exactly, with the decoder variants,
/// runtime lengths, batches and extreme values.
/// </summary>
public class HalfCacheTests
{
    private const float Sentinel = 12345.5f;

    public static TheoryData<string> Paths => new() { "Avx512", "Avx2", "Neon", "Scalar" };

    private static Func<ushort[], bool, float[]>? ConvertOn(string path) => path switch
    {
        "Avx512" when Avx512Ops.IsSupported => Convert<Avx512Ops, Vector512<float>>,
        "Avx2" when Avx2Ops.IsSupported => Convert<Avx2Ops, Vector256<float>>,
        "Neon" when NeonOps.IsSupported => Convert<NeonOps, Vector128<float>>,
        "Scalar" => Convert<ScalarOps, float>,
        _ => null,
    };

    private static float[] Convert<TOps, TVector>(ushort[] bits, bool half)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        float[] result = new float[bits.Length];
        for (int i = 0; i < bits.Length; i += TOps.Width)
            TOps.Store(half ? TOps.LoadHalf(ref bits[i], 0) : TOps.LoadBFloat16(ref bits[i], 0), ref result[i], 0);
        return result;
    }

    private static float[]? ConvertScaledOn(string path) => path switch
    {
        "Avx512" when Avx512Ops.IsSupported => ConvertScaled<Avx512Ops, Vector512<float>>(),
        "Avx2" when Avx2Ops.IsSupported => ConvertScaled<Avx2Ops, Vector256<float>>(),
        "Neon" when NeonOps.IsSupported => ConvertScaled<NeonOps, Vector128<float>>(),
        "Scalar" => ConvertScaled<ScalarOps, float>(),
        _ => null,
    };

    private static float[] ConvertScaled<TOps, TVector>()
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        ushort[] bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        float[] result = new float[bits.Length];
        for (int i = 0; i < bits.Length; i += TOps.Width)
            TOps.Store(TOps.LoadHalfScaled(ref bits[i], 0), ref result[i], 0);
        return result;
    }

    /// <summary>What a stored 16-bit value is, exactly.</summary>
    private static float Exact(ushort bits, AttentionKvType type) => type == AttentionKvType.Half
        ? (float)BitConverter.UInt16BitsToHalf(bits)
        : BitConverter.Int32BitsToSingle(bits << 16);

    private static float[] Exact(ushort[] bits, AttentionKvType type) => bits.Select(b => Exact(b, type)).ToArray();

    /// <summary>The nearest 16-bit value (round to nearest even).</summary>
    private static ushort Round(float x, AttentionKvType type)
    {
        if (type == AttentionKvType.Half)
            return BitConverter.HalfToUInt16Bits((Half)x);
        uint bits = BitConverter.SingleToUInt32Bits(x);
        return float.IsNaN(x) ? (ushort)0x7FC0 : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryHalfAndBFloat16BitPatternConvertsExactly(string path)
    {
        Func<ushort[], bool, float[]>? convert = ConvertOn(path);
        Assert.SkipWhen(convert is null, $"{path} is not supported here");
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        foreach (AttentionKvType type in new[] { AttentionKvType.Half, AttentionKvType.BFloat16 })
        {
            float[] converted = convert!(all, type == AttentionKvType.Half);
            for (int i = 0; i < all.Length; i++)
            {
                float expected = Exact(all[i], type);
                Assert.True(float.IsNaN(expected) ? float.IsNaN(converted[i])
                    : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(converted[i]),
                    $"{type} 0x{all[i]:X4} on {path}: {converted[i]} (0x{BitConverter.SingleToInt32Bits(converted[i]):X8}), expected {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryHalfBitPatternLoadsScaledBy2ToTheMinus112Exactly(string path)
    {
        float[]? scaled = ConvertScaledOn(path);
        Assert.SkipWhen(scaled is null, $"{path} is not supported here");
        for (int i = 0; i < scaled!.Length; i++)
        {
            float expected = Exact((ushort)i, AttentionKvType.Half);
            double back = scaled[i] * Math.Pow(2, 112);
            Assert.True(float.IsNaN(expected) ? float.IsNaN(scaled[i]) : back == expected,
                $"Half 0x{i:X4} on {path}: {scaled[i]} · 2¹¹² = {back}, expected {expected}");
        }
    }

    public enum Entry { Forward, ForwardParallel, ForwardBatch }

    /// <summary>Calls the kernel named <paramref name="kernel"/> by <paramref name="entry"/> on one item (a batch of one).</summary>
    private static void Call(string kernel, Entry entry, float[] query, ushort[] key, ushort[] value, float[] sinks, float[] output,
        int queryLength, int kvLength)
    {
        ReadOnlySpan<Half> keyHalf = MemoryMarshal.Cast<ushort, Half>(key), valueHalf = MemoryMarshal.Cast<ushort, Half>(value);
        int[] rows = [queryLength], keys = [kvLength];
        switch (kernel, entry)
        {
            case ("DecodeHalf", Entry.Forward): DecodeHalf.Forward(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeHalf", Entry.ForwardParallel): DecodeHalf.ForwardParallel(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeHalf", Entry.ForwardBatch): DecodeHalf.ForwardBatch(query, keyHalf, valueHalf, output, rows, keys); break;
            case ("DecodeBf16", Entry.Forward): DecodeBf16.Forward(query, key, value, output, queryLength, kvLength); break;
            case ("DecodeBf16", Entry.ForwardParallel): DecodeBf16.ForwardParallel(query, key, value, output, queryLength, kvLength); break;
            case ("DecodeBf16", Entry.ForwardBatch): DecodeBf16.ForwardBatch(query, key, value, output, rows, keys); break;
            case ("PrefillHalf", Entry.Forward): PrefillHalf.Forward(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("PrefillHalf", Entry.ForwardParallel): PrefillHalf.ForwardParallel(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("PrefillHalf", Entry.ForwardBatch): PrefillHalf.ForwardBatch(query, keyHalf, valueHalf, output, rows, keys); break;
            case ("ChunkHalfWindowSinks", Entry.Forward):
                ChunkHalfWindowSinks.Forward(query, keyHalf, valueHalf, sinks, output, queryLength, kvLength); break;
            case ("ChunkHalfWindowSinks", Entry.ForwardParallel):
                ChunkHalfWindowSinks.ForwardParallel(query, keyHalf, valueHalf, sinks, output, queryLength, kvLength); break;
            case ("ChunkHalfWindowSinks", Entry.ForwardBatch): ChunkHalfWindowSinks.ForwardBatch(query, keyHalf, valueHalf, sinks, output, rows, keys); break;
            case ("DecodeBf16SoftcapAlibi", Entry.Forward): DecodeBf16SoftcapAlibi.Forward(query, key, value, output, queryLength, kvLength); break;
            case ("DecodeBf16SoftcapAlibi", Entry.ForwardParallel):
                DecodeBf16SoftcapAlibi.ForwardParallel(query, key, value, output, queryLength, kvLength); break;
            case ("DecodeBf16SoftcapAlibi", Entry.ForwardBatch): DecodeBf16SoftcapAlibi.ForwardBatch(query, key, value, output, rows, keys); break;
            case ("DecodeHalfSplit", Entry.Forward): DecodeHalfSplit.Forward(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeHalfSplit", Entry.ForwardParallel): DecodeHalfSplit.ForwardParallel(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeHalfSplit", Entry.ForwardBatch): DecodeHalfSplit.ForwardBatch(query, keyHalf, valueHalf, output, rows, keys); break;
            case ("DecodeGroupOfThreeHalf", Entry.Forward): DecodeGroupOfThreeHalf.Forward(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeGroupOfThreeHalf", Entry.ForwardParallel):
                DecodeGroupOfThreeHalf.ForwardParallel(query, keyHalf, valueHalf, output, queryLength, kvLength); break;
            case ("DecodeGroupOfThreeHalf", Entry.ForwardBatch): DecodeGroupOfThreeHalf.ForwardBatch(query, keyHalf, valueHalf, output, rows, keys); break;
            default: throw new ArgumentException($"no kernel {kernel}");
        }
    }

    /// <summary>The shape of a test kernel, with its 16-bit type.</summary>
    private static (AttentionShape Shape, AttentionKvType Type) ShapeOf(string kernel)
    {
        Type type = typeof(DecodeHalf).Assembly.GetType("AttentionGen.Tests.HalfCache." + kernel)!;
        var a = (AttentionKernelAttribute)Attribute.GetCustomAttribute(type, typeof(AttentionKernelAttribute))!;
        float scale = (float)type.GetField("Scale")!.GetRawConstantValue()!;
        var shape = new AttentionShape(a.SeqLen, a.Heads, a.HeadDim, a.KvLen == 0 ? null : a.KvLen, a.KvHeads == 0 ? null : a.KvHeads,
            a.Causal, scale, a.Layout, a.Window, a.Softcap, a.Alibi, a.Sinks);
        return (shape, a.KvType);
    }

    public static TheoryData<string, Entry> GoldenCases()
    {
        var data = new TheoryData<string, Entry>();
        foreach (string name in new[] { "decode-half", "decode-bf16", "prefill-half" })
            foreach (Entry entry in Enum.GetValues<Entry>())
                data.Add(name, entry);
        return data;
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void KernelMatchesGoldenOutput(string name, Entry entry)
    {
        VariantGoldenTests.VariantCase c = VariantGoldenTests.Case(name);
        string kernel = name switch { "decode-half" => "DecodeHalf", "decode-bf16" => "DecodeBf16", _ => "PrefillHalf" };
        Assert.Equal(c.Shape, ShapeOf(kernel).Shape);
        Assert.Equal(c.KvType, ShapeOf(kernel).Type.ToString());
        float[] output = Enumerable.Repeat(Sentinel, c.Shape.OutputLength).ToArray();
        Call(kernel, entry, c.Load("query"), c.LoadBits("key"), c.LoadBits("value"), [], output, c.Rows[0], c.Keys[0]);
        float[] expected = c.Load("output");
        for (int n = 0; n < output.Length; n++)
        {
            if (float.IsNaN(expected[n]))
                Assert.True(output[n] == Sentinel, $"{name}: element {n}, past queryLength, was written ({output[n]})");
            else
                Assert.True(Math.Abs(output[n] - expected[n]) <= c.Bar, $"{name}: element {n} is {output[n]}, expected {expected[n]} (bar {c.Bar:E3})");
        }
    }

    public static TheoryData<string, Entry> OwnKernels()
    {
        var data = new TheoryData<string, Entry>();
        foreach (string name in new[] { "ChunkHalfWindowSinks", "DecodeBf16SoftcapAlibi", "DecodeHalfSplit", "PrefillHalf", "DecodeBf16", "DecodeGroupOfThreeHalf" })
            foreach (Entry entry in Enum.GetValues<Entry>())
                data.Add(name, entry);
        return data;
    }

    /// <summary>Random inputs stored in 16 bits, with the float values they hold exactly.</summary>
    private static (float[] Query, ushort[] Key, ushort[] Value, float[] KeyExact, float[] ValueExact, float[] Sinks) Inputs(
        AttentionShape s, AttentionKvType type, int seed, float scale = 2f)
    {
        float[] query = TestData.Random(s.QueryLength, seed, scale);
        ushort[] key = TestData.Random(s.KeyLength, seed + 1, scale).Select(x => Round(x, type)).ToArray();
        ushort[] value = TestData.Random(s.ValueLength, seed + 2).Select(x => Round(x, type)).ToArray();
        float[] sinks = s.Sinks ? Enumerable.Range(0, s.Heads).Select(h => 0.5f * h - 1).ToArray() : [];
        return (query, key, value, Exact(key, type), Exact(value, type), sinks);
    }

    private static void AssertMatchesReference(AttentionShape s, float[] output, double[] expected, double bar, int queryLength, string what)
    {
        for (int n = 0; n < output.Length; n++)
        {
            if (double.IsNaN(expected[n]))
            {
                int row = n / s.HeadDim, position = s.Layout == AttentionLayout.HeadMajor ? row % s.SeqLen : row / s.Heads;
                Assert.True(position < queryLength ? float.IsNaN(output[n]) : output[n] == Sentinel,
                    $"{what}: element {n} is {output[n]}, expected NaN or the sentinel");
            }
            else
            {
                Assert.True(Math.Abs(output[n] - expected[n]) <= bar, $"{what}: element {n} is {output[n]}, expected {expected[n]} (bar {bar:E3})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(OwnKernels))]
    public void KernelMatchesTheReferenceOnTheStoredValuesAtRuntimeLengths(string kernel, Entry entry)
    {
        var (s, type) = ShapeOf(kernel);
        foreach ((int queryLength, int kvLength) in new[] { (s.SeqLen, s.KvLen), (Math.Max(1, s.SeqLen - 2), s.KvLen - 5), (1, Math.Max(1, s.KvLen / 3)) })
        {
            var inputs = Inputs(s, type, 10 * queryLength + kvLength);
            double[] expected = AttentionReference.ForwardExact(s, inputs.Query, inputs.KeyExact, inputs.ValueExact, kvLength, queryLength, inputs.Sinks);
            double e32 = Accuracy.MaxAbsError(Accuracy.PlainFloat32(s, inputs.Query, inputs.KeyExact, inputs.ValueExact, kvLength, inputs.Sinks, queryLength), expected);
            double bar = Accuracy.Bar(e32, Accuracy.MaxAbs(expected.Where(x => !double.IsNaN(x)).ToArray()));
            float[] output = Enumerable.Repeat(Sentinel, s.OutputLength).ToArray();
            Call(kernel, entry, inputs.Query, inputs.Key, inputs.Value, inputs.Sinks, output, queryLength, kvLength);
            AssertMatchesReference(s, output, expected, bar, queryLength, $"{kernel} {entry} at {queryLength} × {kvLength}");
        }
    }

    [Theory]
    [InlineData("PrefillHalf")]
    [InlineData("DecodeHalf")]
    [InlineData("ChunkHalfWindowSinks")]
    public void ExtremeHalvesAreTakenExactly(string kernel)
    {
        // Subnormal halves, signed zeros and ±65504 in K and V.
        var (s, type) = ShapeOf(kernel);
        var inputs = Inputs(s, type, 5, scale: 1f);
        ushort[] extremes = [0x0001, 0x8001, 0x03FF, 0x0000, 0x8000, 0x7BFF, 0xFBFF, 0x0400, 0x3C00];
        for (int n = 0; n < inputs.Key.Length; n += 7)
            inputs.Key[n] = extremes[n % extremes.Length];
        for (int n = 0; n < inputs.Value.Length; n += 5)
            inputs.Value[n] = extremes[n % extremes.Length];
        AssertAgainstReference(kernel, s, type, inputs.Query, inputs.Key, inputs.Value, inputs.Sinks);
    }

    [Theory]
    [InlineData("DecodeBf16")]
    [InlineData("DecodeBf16SoftcapAlibi")]
    public void BFloat16ValuesFrom1EMinus30To1E30AreTakenExactly(string kernel)
    {
        var (s, type) = ShapeOf(kernel);
        var inputs = Inputs(s, type, 6);
        var random = new Random(3);
        for (int n = 0; n < inputs.Value.Length; n++)
            inputs.Value[n] = Round((random.Next(2) * 2 - 1) * MathF.Pow(10, random.Next(-30, 31)), type);
        AssertAgainstReference(kernel, s, type, inputs.Query, inputs.Key, inputs.Value, inputs.Sinks);
    }

    [Theory]
    [InlineData("ChunkHalfWindowSinks")]
    [InlineData("DecodeHalf")]
    [InlineData("PrefillHalf")]
    public void NaNInOneKeyRowPoisonsOnlyTheRowsThatAttendIt(string kernel)
    {
        var (s, type) = ShapeOf(kernel);
        var inputs = Inputs(s, type, 8);
        int poisoned = s.KvLen / 2;
        for (int d = 0; d < s.HeadDim; d++)
            inputs.Key[AttentionReference.Offset(s, 0, s.KvHeads, s.KvLen, poisoned) + d] = 0x7E00; // kv head 0
        double[] expected = AssertAgainstReference(kernel, s, type, inputs.Query, inputs.Key, inputs.Value, inputs.Sinks);
        Assert.Contains(expected, double.IsNaN);
        Assert.Contains(expected, double.IsFinite);
    }

    /// <summary>Forward at the compiled lengths against the reference on the stored values; NaN exactly where it is NaN.</summary>
    private static double[] AssertAgainstReference(string kernel, AttentionShape s, AttentionKvType type, float[] query, ushort[] key,
        ushort[] value, float[] sinks)
    {
        float[] keyExact = Exact(key, type), valueExact = Exact(value, type);
        double[] expected = AttentionReference.ForwardExact(s, query, keyExact, valueExact, sinks: sinks);
        double e32 = Accuracy.MaxAbsError(Accuracy.PlainFloat32(s, query, keyExact, valueExact, s.KvLen, sinks), expected);
        double bar = Accuracy.Bar(double.IsFinite(e32) ? e32 : 0, Accuracy.MaxAbs(expected.Where(double.IsFinite).ToArray()));
        foreach (Entry entry in Enum.GetValues<Entry>())
        {
            float[] output = new float[s.OutputLength];
            Call(kernel, entry, query, key, value, sinks, output, s.SeqLen, s.KvLen);
            AssertMatchesReference(s, output, expected, bar, s.SeqLen, $"{kernel} {entry}");
        }

        return expected;
    }
}
