using System;
using System.Collections.Generic;
using System.Linq;
using AttentionGen.Reference;
using Xunit;

namespace AttentionGen.Tests.Hardening;

/// <summary>
/// NaN, ±∞, huge and all-equal logits, and rows with no allowed key, for every kernel. These run on whatever path the
/// process runs, so CI's per-path runs cover each path.
/// <para>Which output rows read an input element: query row (h, i) is read only by output row (h, i), and only if that
/// row attends some key; key/value row j of key/value head g is read by the rows (h, i) with h / (Heads / KvHeads) = g
/// that attend key j, i.e. j &lt; kvLength and, causal, j ≤ i + kvLength − SeqLen. Rows that do not read it must be
/// bitwise unchanged.</para>
/// </summary>
public class SpecialValueTests
{
    public enum Tensor { Query, Key, Value }

    public static TheoryData<string> Kernels => TestKernel.Names();

    private static bool Emulated => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64;

    private static int[] KvLengths(AttentionShape s) => new[] { s.KvLen, Math.Max(1, s.KvLen / 2 + 1) }.Distinct().ToArray();

    /// <summary>(head, row) positions to poison: the first and last row of the first and last head, and one between.</summary>
    private static IEnumerable<(int Head, int Row)> Positions(AttentionShape s, Tensor tensor, int kvLength, bool many)
    {
        int heads = tensor == Tensor.Query ? s.Heads : s.KvHeads, rows = tensor == Tensor.Query ? s.SeqLen : kvLength;
        var positions = new List<(int, int)> { (0, 0), (heads - 1, rows - 1) };
        if (many)
            positions.Add((heads / 2, rows / 2));
        return positions.Distinct();
    }

    private static int Offset(AttentionShape s, Tensor tensor, (int Head, int Row) at) =>
        tensor == Tensor.Query ? RowReference.RowOffset(s, at.Head, at.Row) : RowReference.KeyOffset(s, at.Head, at.Row);

    /// <summary>Whether output row (h, i) reads row <paramref name="at"/> of <paramref name="tensor"/>.</summary>
    public static bool Reads(AttentionShape s, Tensor tensor, (int Head, int Row) at, int h, int i, int kvLength)
    {
        int allowed = RowReference.AllowedKeys(s, i, kvLength);
        return tensor == Tensor.Query
            ? h == at.Head && i == at.Row && allowed > 0
            : RowReference.KvHead(s, h) == at.Head && at.Row < allowed;
    }

    private sealed record Inputs(float[] Query, float[] Key, float[] Value)
    {
        public static Inputs Random(AttentionShape s, int seed, float scale = 1f) => new(
            TestData.Random(s.QueryLength, seed, scale), TestData.Random(s.KeyLength, seed + 1, scale),
            TestData.Random(s.ValueLength, seed + 2));

        public Inputs With(Tensor tensor, int index, float x)
        {
            var copy = new Inputs((float[])Query.Clone(), (float[])Key.Clone(), (float[])Value.Clone());
            (tensor == Tensor.Query ? copy.Query : tensor == Tensor.Key ? copy.Key : copy.Value)[index] = x;
            return copy;
        }

        public float[] Run(TestKernel kernel, int kvLength, bool parallel, float fill = float.NaN)
        {
            float[] output = Enumerable.Repeat(fill, kernel.Shape.OutputLength).ToArray();
            (parallel ? kernel.ForwardParallel : kernel.Forward)(Query, Key, Value, output, kvLength);
            return output;
        }
    }

    private static string Where(TestKernel kernel, Tensor tensor, (int Head, int Row) at, int column, float x, int kvLength, bool parallel) =>
        $"{kernel.Name} on {kernel.ActivePath}: {x} in {tensor} (head {at.Head}, row {at.Row}, column {column}), kvLength {kvLength}, " +
        (parallel ? "ForwardParallel" : "Forward");

    [Theory]
    [MemberData(nameof(Kernels))]
    public void NaNPoisonsExactlyTheRowsThatReadIt(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        int call = 0;
        foreach (int kvLength in KvLengths(s))
        {
            var clean = Inputs.Random(s, 7 * kvLength);
            float[] baseline = clean.Run(kernel, kvLength, parallel: false);
            foreach (Tensor tensor in Enum.GetValues<Tensor>())
            {
                // Three positions per tensor natively, two under arm64 emulation (every call there is ~50x slower).
                foreach (var at in Positions(s, tensor, kvLength, many: !Emulated))
                {
                    int column = (at.Head * 7 + at.Row * 3) % s.HeadDim;
                    bool parallel = call++ % 2 == 1;
                    float[] output = clean.With(tensor, Offset(s, tensor, at) + column, float.NaN).Run(kernel, kvLength, parallel);
                    string where = Where(kernel, tensor, at, column, float.NaN, kvLength, parallel);
                    int affected = 0;
                    for (int h = 0; h < s.Heads; h++)
                    {
                        for (int i = 0; i < s.SeqLen; i++)
                        {
                            Span<float> row = RowReference.Row(s, output, h, i), before = RowReference.Row(s, baseline, h, i);
                            bool reads = Reads(s, tensor, at, h, i, kvLength);
                            affected += reads ? 1 : 0;
                            for (int c = 0; c < s.HeadDim; c++)
                            {
                                // A NaN value element reaches only its own column; a NaN query or key element, the whole row.
                                bool mustBeNaN = reads && (tensor != Tensor.Value || c == column);
                                bool mayBeNaN = reads; // the rest of an affected row: unchanged or NaN ("affected rows NaN")
                                if (mustBeNaN && !float.IsNaN(row[c]))
                                    Assert.Fail($"{where}: output (head {h}, row {i})[{c}] = {row[c]:R}, expected NaN");
                                if (!mustBeNaN && RowReference.Bits(row[c]) != RowReference.Bits(before[c]) && !(mayBeNaN && float.IsNaN(row[c])))
                                    Assert.Fail($"{where}: output (head {h}, row {i})[{c}] changed from {before[c]:R} to {row[c]:R}; " +
                                        (reads ? "only the poisoned column may change" : "this row does not read the NaN"));
                            }
                        }
                    }

                    // Key/value row 0 is read by every row that attends any key; the last position and a query row may reach none.
                    if (tensor != Tensor.Query && at.Row == 0)
                        Assert.True(affected > 0, $"{where}: the test poisoned nothing any row reads");
                }
            }
        }
    }

    /// <summary>The rule the NaN test applies, checked against the float64 reference itself on the cheaper kernels.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void TheReadsRuleAgreesWithTheReference(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        Assert.SkipWhen((long)s.Heads * s.SeqLen * s.KvLen * s.HeadDim > 4_000_000, "the full reference is too slow for this kernel");
        foreach (int kvLength in KvLengths(s))
        {
            var clean = Inputs.Random(s, 11 * kvLength);
            foreach (Tensor tensor in Enum.GetValues<Tensor>())
            {
                foreach (var at in Positions(s, tensor, kvLength, many: true))
                {
                    Inputs poisoned = clean.With(tensor, Offset(s, tensor, at), float.NaN); // column 0
                    double[] exact = AttentionReference.ForwardExact(s, poisoned.Query, poisoned.Key, poisoned.Value, kvLength);
                    for (int h = 0; h < s.Heads; h++)
                    {
                        for (int i = 0; i < s.SeqLen; i++)
                        {
                            int o = RowReference.RowOffset(s, h, i);
                            bool reads = Reads(s, tensor, at, h, i, kvLength);
                            Assert.Equal(reads, double.IsNaN(exact[o]));
                            Assert.Equal(reads && tensor != Tensor.Value, s.HeadDim > 1 && double.IsNaN(exact[o + s.HeadDim - 1]) || (s.HeadDim == 1 && reads && tensor != Tensor.Value));
                        }
                    }
                }
            }
        }
    }

    /// <summary>±∞ in each input: rows that read it are compared with the float64 reference (NaN where it is NaN, the
    /// same infinity where it is infinite, within the bar where it is finite); every other row is bitwise unchanged.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void InfinitiesMatchTheReferenceRowByRow(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        var failures = new List<string>();
        int call = 0;
        foreach (int kvLength in KvLengths(s))
        {
            var clean = Inputs.Random(s, 13 * kvLength);
            float[] baseline = clean.Run(kernel, kvLength, parallel: false);
            foreach (Tensor tensor in Enum.GetValues<Tensor>())
            {
                foreach (var at in Positions(s, tensor, kvLength, many: false))
                {
                    foreach (float infinity in new[] { float.PositiveInfinity, float.NegativeInfinity })
                    {
                        int column = (at.Head * 5 + at.Row * 3 + 1) % s.HeadDim;
                        bool parallel = call++ % 2 == 1;
                        Inputs poisoned = clean.With(tensor, Offset(s, tensor, at) + column, infinity);
                        float[] output = poisoned.Run(kernel, kvLength, parallel);
                        string where = Where(kernel, tensor, at, column, infinity, kvLength, parallel);
                        CompareRows(kernel, poisoned, kvLength, output, baseline, (h, i) => Reads(s, tensor, at, h, i, kvLength), where, failures);
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatches; the first ones:\n" + string.Join("\n", failures.Take(12)));
    }

    /// <summary>The smallest case of the above: with kvLength = 1 every row that attends anything attends key 0 alone. With
    /// −∞ in column 0 of key 0 and a positive column 0 in every query row, each such row's only score is −∞. It still
    /// has an allowed key (so the "no allowed key → zeros" rule does not apply), and the float64 reference gives NaN:
    /// exp(−∞ − (−∞)) = exp(NaN).</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void ARowWhoseOnlyScoreIsInfiniteIsNaNAsInTheReference(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        var clean = Inputs.Random(s, 17);
        // Column 0 of every query row positive: then every row that attends key 0 scores it −∞.
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < s.SeqLen; i++)
                clean.Query[RowReference.RowOffset(s, h, i)] = 0.5f + i % 3 * 0.25f;
        }

        float[] baseline = clean.Run(kernel, 1, parallel: false);
        var failures = new List<string>();
        foreach (bool parallel in new[] { false, true })
        {
            Inputs poisoned = clean.With(Tensor.Key, RowReference.KeyOffset(s, 0, 0), float.NegativeInfinity);
            float[] output = poisoned.Run(kernel, 1, parallel);
            CompareRows(kernel, poisoned, 1, output, baseline, (h, i) => Reads(s, Tensor.Key, (0, 0), h, i, 1),
                Where(kernel, Tensor.Key, (0, 0), 0, float.NegativeInfinity, 1, parallel), failures);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatches; the first ones:\n" + string.Join("\n", failures.Take(12)));
    }

    private static void CompareRows(TestKernel kernel, Inputs inputs, int kvLength, float[] output, float[] baseline,
        Func<int, int, bool> reads, string where, List<string> failures)
    {
        AttentionShape s = kernel.Shape;
        var affected = new List<(int H, int I, double[] Exact)>();
        double e32 = 0, maxAbs = 0;
        for (int h = 0; h < s.Heads; h++)
        {
            for (int i = 0; i < s.SeqLen; i++)
            {
                if (!reads(h, i))
                {
                    Span<float> row = RowReference.Row(s, output, h, i), before = RowReference.Row(s, baseline, h, i);
                    for (int c = 0; c < s.HeadDim; c++)
                    {
                        if (RowReference.Bits(row[c]) != RowReference.Bits(before[c]))
                            failures.Add($"{where}: output (head {h}, row {i})[{c}] changed from {before[c]:R} to {row[c]:R} but does not read the infinity");
                    }

                    continue;
                }

                double[] exact = RowReference.Exact(s, inputs.Query, inputs.Key, inputs.Value, kvLength, h, i);
                float[] plain = RowReference.Plain(s, inputs.Query, inputs.Key, inputs.Value, kvLength, h, i);
                for (int c = 0; c < s.HeadDim; c++)
                {
                    if (double.IsFinite(exact[c]))
                    {
                        maxAbs = Math.Max(maxAbs, Math.Abs(exact[c]));
                        if (float.IsFinite(plain[c]))
                            e32 = Math.Max(e32, Math.Abs(plain[c] - exact[c]));
                    }
                }

                affected.Add((h, i, exact));
            }
        }

        double bar = Accuracy.Bar(e32, maxAbs);
        foreach (var (h, i, exact) in affected)
        {
            Span<float> row = RowReference.Row(s, output, h, i);
            for (int c = 0; c < s.HeadDim; c++)
            {
                double x = row[c], e = exact[c];
                bool ok = double.IsNaN(e) ? double.IsNaN(x)
                    : double.IsInfinity(e) ? x == e
                    : double.IsFinite(x) && Math.Abs(x - e) <= bar;
                if (!ok)
                    failures.Add($"{where}: output (head {h}, row {i})[{c}] = {row[c]:R}, the float64 reference gives {e:R} (bar {bar:E2})");
            }
        }
    }

    /// <summary>"Only the first kvLength positions are read": NaN and ∞ in every key and value row at or past kvLength
    /// (every head) change nothing, bitwise.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void KeysAndValuesPastKvLengthChangeNothing(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        Assert.SkipWhen(s.KvLen == 1, "KvLen is 1: no position lies past a valid kvLength");
        foreach (int kvLength in new[] { 1, Math.Max(1, s.KvLen / 3), s.KvLen - 1 }.Distinct())
        {
            var clean = Inputs.Random(s, 19 * kvLength);
            float[] baseline = clean.Run(kernel, kvLength, parallel: false);
            foreach (float poison in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var poisoned = new Inputs(clean.Query, (float[])clean.Key.Clone(), (float[])clean.Value.Clone());
                for (int g = 0; g < s.KvHeads; g++)
                {
                    for (int j = kvLength; j < s.KvLen; j++)
                    {
                        poisoned.Key.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(poison);
                        poisoned.Value.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(poison);
                    }
                }

                foreach (bool parallel in new[] { false, true })
                {
                    float[] output = poisoned.Run(kernel, kvLength, parallel);
                    for (int n = 0; n < output.Length; n++)
                    {
                        if (RowReference.Bits(output[n]) != RowReference.Bits(baseline[n]))
                            Assert.Fail($"{name} on {kernel.ActivePath}: {poison} in key/value positions ≥ kvLength {kvLength} changed output[{n}] " +
                                $"from {baseline[n]:R} to {output[n]:R} ({(parallel ? "ForwardParallel" : "Forward")})");
                    }
                }
            }
        }
    }

    /// <summary>Inputs near 1e15 make logits near 1e30: finite in float32, far beyond exp's range. A max-subtracted
    /// softmax stays finite and within the bar.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void HugeFiniteLogitsNeverOverflow(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        var inputs = new Inputs(TestData.Random(s.QueryLength, 23, 1e15f), TestData.Random(s.KeyLength, 24, 1e15f),
            TestData.Random(s.ValueLength, 25));
        AssertWithinTheBar(kernel, inputs, s.KvLen, "logits ~1e30");
    }

    public enum EqualScores { ZeroQueries, IdenticalKeys, HugeIdenticalLogits }

    public static TheoryData<string, EqualScores> KernelsAndEqualScores()
    {
        var data = new TheoryData<string, EqualScores>();
        foreach (string name in TestKernel.All.Keys.Order(StringComparer.Ordinal))
        {
            foreach (EqualScores kind in Enum.GetValues<EqualScores>())
                data.Add(name, kind);
        }

        return data;
    }

    /// <summary>All scores of a row equal (every key weighs the same): the output is the mean of the allowed values.</summary>
    [Theory]
    [MemberData(nameof(KernelsAndEqualScores))]
    public void AllEqualScoresGiveTheMeanOfTheValues(string name, EqualScores kind)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        var inputs = Inputs.Random(s, 29, 2f);
        switch (kind)
        {
            case EqualScores.ZeroQueries:
                Array.Clear(inputs.Query);
                break;
            case EqualScores.IdenticalKeys:
                for (int g = 0; g < s.KvHeads; g++)
                {
                    for (int j = 1; j < s.KvLen; j++)
                        inputs.Key.AsSpan(RowReference.KeyOffset(s, g, 0), s.HeadDim).CopyTo(inputs.Key.AsSpan(RowReference.KeyOffset(s, g, j)));
                }

                break;
            case EqualScores.HugeIdenticalLogits:
                inputs.Query.AsSpan().Fill(1e15f);
                inputs.Key.AsSpan().Fill(1e15f);
                break;
        }

        // One kvLength per kind (the full reference is the cost here): all keys for two kinds, fewer for the third.
        int[] kvLengths = KvLengths(s);
        AssertWithinTheBar(kernel, inputs, kvLengths[(int)kind % kvLengths.Length], kind.ToString());
    }

    private static void AssertWithinTheBar(TestKernel kernel, Inputs inputs, int kvLength, string what)
    {
        AttentionShape s = kernel.Shape;
        double[] expected = AttentionReference.ForwardExact(s, inputs.Query, inputs.Key, inputs.Value, kvLength, sinks: kernel.Sinks);
        double e32 = Accuracy.MaxAbsError(Accuracy.PlainFloat32(s, inputs.Query, inputs.Key, inputs.Value, kvLength, kernel.Sinks), expected);
        double bar = Accuracy.Bar(e32, Accuracy.MaxAbs(expected));
        Assert.True(expected.All(double.IsFinite), "the reference itself is not finite");
        foreach (bool parallel in new[] { false, true })
        {
            float[] output = inputs.Run(kernel, kvLength, parallel);
            int notFinite = Array.FindIndex(output, x => !float.IsFinite(x));
            Assert.True(notFinite < 0, $"{kernel.Name} on {kernel.ActivePath} ({what}, kvLength {kvLength}, parallel {parallel}): output[{notFinite}] = {(notFinite < 0 ? 0 : output[notFinite])}");
            double error = Accuracy.MaxAbsError(output, expected);
            Assert.True(error <= bar, $"{kernel.Name} on {kernel.ActivePath} ({what}, kvLength {kvLength}, parallel {parallel}): error {error:E3} > bar {bar:E3}");
        }
    }

    /// <summary>Causal with kvLength below SeqLen: rows i &lt; SeqLen − kvLength attend no key and are exactly zero,
    /// even with NaN in their own query rows and in every key/value position past kvLength, and the other rows are
    /// bitwise what clean inputs give.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void RowsWithNoAllowedKeyAreZero(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        int[] kvLengths = new[] { 1, s.SeqLen / 2, s.SeqLen - 1 }.Where(l => l >= 1 && l <= s.KvLen && l < s.SeqLen).Distinct().ToArray();
        Assert.SkipUnless(s.Causal && kvLengths.Length > 0, "every row attends some key at every kvLength");
        foreach (int kvLength in kvLengths)
        {
            var clean = Inputs.Random(s, 31 * kvLength);
            float[] baseline = clean.Run(kernel, kvLength, parallel: false);
            var poisoned = new Inputs((float[])clean.Query.Clone(), (float[])clean.Key.Clone(), (float[])clean.Value.Clone());
            for (int h = 0; h < s.Heads; h++)
            {
                for (int i = 0; i < s.SeqLen; i++)
                {
                    if (RowReference.AllowedKeys(s, i, kvLength) == 0)
                        poisoned.Query.AsSpan(RowReference.RowOffset(s, h, i), s.HeadDim).Fill(float.NaN);
                }
            }

            for (int g = 0; g < s.KvHeads; g++)
            {
                for (int j = kvLength; j < s.KvLen; j++)
                {
                    poisoned.Key.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(float.NaN);
                    poisoned.Value.AsSpan(RowReference.KeyOffset(s, g, j), s.HeadDim).Fill(float.NaN);
                }
            }

            foreach (bool parallel in new[] { false, true })
            {
                float[] output = poisoned.Run(kernel, kvLength, parallel, fill: float.NaN);
                for (int h = 0; h < s.Heads; h++)
                {
                    for (int i = 0; i < s.SeqLen; i++)
                    {
                        bool none = RowReference.AllowedKeys(s, i, kvLength) == 0;
                        Span<float> row = RowReference.Row(s, output, h, i), before = RowReference.Row(s, baseline, h, i);
                        for (int c = 0; c < s.HeadDim; c++)
                        {
                            if (none ? row[c] != 0 : RowReference.Bits(row[c]) != RowReference.Bits(before[c]))
                                Assert.Fail($"{name} on {kernel.ActivePath} (kvLength {kvLength}, parallel {parallel}): output (head {h}, row {i})[{c}] = {row[c]:R}, " +
                                    (none ? "expected 0 (the row attends no key)" : $"clean inputs gave {before[c]:R}"));
                        }
                    }
                }
            }
        }
    }
}
