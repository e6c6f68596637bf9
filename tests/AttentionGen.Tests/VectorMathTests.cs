using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using AttentionGen.Kernels;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>The runtime's 2ˣ on every vector type this machine runs, over its whole domain, and the transposes.</summary>
public class VectorMathTests
{
    /// <summary>The bound stated in <see cref="IVectorOps{TVector}.Exp2"/>'s documentation.</summary>
    private const double MaxRelativeError = VectorMath.Exp2MaxRelativeError;

    public static TheoryData<string> Paths => new() { "Avx512", "Avx2", "Neon", "Scalar" };

    /// <summary>The one of four instantiations that runs on <paramref name="path"/>, or null where this machine
    /// lacks the path.</summary>
    private static T? OnPath<T>(string path, T avx512, T avx2, T neon, T scalar) where T : class => path switch
    {
        "Avx512" when Avx512Ops.IsSupported => avx512,
        "Avx2" when Avx2Ops.IsSupported => avx2,
        "Neon" when NeonOps.IsSupported => neon,
        "Scalar" => scalar,
        _ => null,
    };

    private static int WidthOf(string path) => path switch { "Avx512" => 16, "Avx2" => 8, "Neon" => 4, _ => 1 };

    private static Func<float[], float[]>? ExpOf(string path) => OnPath<Func<float[], float[]>>(path,
        Apply<Avx512Ops, Vector512<float>>, Apply<Avx2Ops, Vector256<float>>, Apply<NeonOps, Vector128<float>>, Apply<ScalarOps, float>);

    private static float[] Apply<TOps, TVector>(float[] inputs)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        float[] results = new float[inputs.Length];
        for (int i = 0; i + TOps.Width <= inputs.Length; i += TOps.Width)
            TOps.Store(TOps.Exp2(TOps.Load(ref inputs[i], 0)), ref results[i], 0);
        return results;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RelativeErrorIsWithinTheDocumentedBoundOverTheDomain(string path)
    {
        Func<float[], float[]>? exp = ExpOf(path);
        Assert.SkipWhen(exp is null, $"{path} is not supported here");
        // Every float in [-126, 0] would be 1.1e9 values; a dense sweep, every float just below 0, and both sides
        // of every integer, where the split into floor and fraction turns over.
        var inputs = new List<float>();
        for (int i = 0; i <= 4_000_000; i++)
            inputs.Add(-126f * i / 4_000_000);
        for (int n = -126; n <= 0; n++)
        {
            for (float x = n, k = 0; k < 64 && n > -126; k++, x = MathF.BitDecrement(x))
                inputs.Add(x);
            for (float x = n, k = 0; k < 64 && n < 0; k++, x = MathF.BitIncrement(x))
                inputs.Add(x);
        }

        for (float x = -1e-3f; x < 0; x = MathF.BitIncrement(x))
        {
            if (inputs.Count % 16 == 0 && inputs.Count > 6_000_000)
                break;
            inputs.Add(x);
        }

        while (inputs.Count % 16 != 0)
            inputs.Add(0f);
        float[] x32 = inputs.ToArray();
        float[] y = exp!(x32);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x32.Length; i++)
        {
            double exact = Math.Pow(2, x32[i]);
            double relative = Math.Abs(y[i] - exact) / exact;
            if (relative > worst)
            {
                worst = relative;
                worstAt = x32[i];
            }
        }

        Assert.True(worst <= MaxRelativeError, $"{path}: relative error {worst:E3} at {worstAt:R}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SpecialValues(string path)
    {
        Func<float[], float[]>? exp = ExpOf(path);
        Assert.SkipWhen(exp is null, $"{path} is not supported here");
        float[] inputs = new float[16];
        // Below -126 the result would be subnormal and is flushed to 0; -126 itself is the smallest normal float.
        float[] special = { float.NegativeInfinity, -1e30f, -126.5f, -149.5f, float.NaN, 0f, -0f, -126f };
        special.CopyTo(inputs, 0);
        special.CopyTo(inputs, 8);
        float[] y = exp!(inputs);
        Assert.Equal(0f, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.Equal(0f, y[2]);
        Assert.Equal(0f, y[3]);
        Assert.True(float.IsNaN(y[4]));
        Assert.Equal(1f, y[5]);
        Assert.Equal(1f, y[6]);
        Assert.Equal(MathF.Pow(2, -126), y[7]);
        Assert.Equal(y, y[8..].Concat(y[..8]).ToArray()); // the same in every lane
    }

    private delegate void Transpose(float[] source, int[] sourceRows, float[] factors, float[] destination, int[] destinationRows);

    private static Transpose? TransposeOf(string path) => OnPath<Transpose>(path,
        (s, sr, f, d, dr) => Avx512Ops.TransposeSquare(ref s[0], ref sr[0], Avx512Ops.Load(ref f[0], 0), ref d[0], ref dr[0]),
        (s, sr, f, d, dr) => Avx2Ops.TransposeSquare(ref s[0], ref sr[0], Avx2Ops.Load(ref f[0], 0), ref d[0], ref dr[0]),
        (s, sr, f, d, dr) => NeonOps.TransposeSquare(ref s[0], ref sr[0], NeonOps.Load(ref f[0], 0), ref d[0], ref dr[0]),
        (s, sr, f, d, dr) => ScalarOps.TransposeSquare(ref s[0], ref sr[0], f[0], ref d[0], ref dr[0]));

    [Theory]
    [MemberData(nameof(Paths))]
    public void TransposeSquareTransposesScatteredRowsAndScalesColumns(string path)
    {
        Transpose? transpose = TransposeOf(path);
        Assert.SkipWhen(transpose is null, $"{path} is not supported here");
        int w = WidthOf(path);
        // Source rows out of order with gaps; destination rows reversed with another gap; a factor per column.
        int[] sourceRows = Enumerable.Range(0, w).Select(r => (r * 5 % w) * (w + 3) + 1).ToArray();
        int[] destinationRows = Enumerable.Range(0, w).Select(c => (w - 1 - c) * (w + 7) + 2).ToArray();
        float[] factors = Enumerable.Range(0, w).Select(c => 0.5f * (c + 1)).ToArray();
        float[] source = Enumerable.Range(0, w * (w + 3) + 1).Select(i => (float)i).ToArray();
        float[] destination = Enumerable.Repeat(-1f, w * (w + 7) + 2).ToArray();
        transpose!(source, sourceRows, factors, destination, destinationRows);
        var written = new HashSet<int>();
        for (int r = 0; r < w; r++)
        {
            for (int c = 0; c < w; c++)
            {
                Assert.Equal(source[sourceRows[r] + c] * factors[c], destination[destinationRows[c] + r]);
                written.Add(destinationRows[c] + r);
            }
        }

        for (int i = 0; i < destination.Length; i++)
        {
            if (!written.Contains(i))
                Assert.Equal(-1f, destination[i]);
        }
    }

    private static void PackRows<TOps, TVector>(float[] source, int[] rowOffsets, int headDim, float scale, float[] panel, int panelLanes)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct =>
        PanelTranspose.PackRows<TOps, TVector>(ref source[0], rowOffsets, headDim, scale, ref panel[0], panelLanes);

    [Theory]
    [MemberData(nameof(Paths))]
    public void PackRowsTransposesScalesAndZeroesEveryLanePastTheRows(string path)
    {
        Action<float[], int[], int, float, float[], int>? pack = OnPath<Action<float[], int[], int, float, float[], int>>(path,
            PackRows<Avx512Ops, Vector512<float>>, PackRows<Avx2Ops, Vector256<float>>, PackRows<NeonOps, Vector128<float>>,
            PackRows<ScalarOps, float>);
        Assert.SkipWhen(pack is null, $"{path} is not supported here");
        int w = WidthOf(path);
        // Rows from a whole vector plus a few down to a few; a head dimension that is not a multiple of the width.
        int panelLanes = 3 * w, headDim = w + 3;
        float[] source = Enumerable.Range(0, (panelLanes + 2) * headDim).Select(i => (float)i).ToArray();
        foreach (int rows in new[] { panelLanes, w + Math.Min(3, w - 1), 2, 1 })
        {
            int[] offsets = Enumerable.Range(0, rows).Select(r => (rows - r) * headDim + 1).ToArray();
            float[] panel = Enumerable.Repeat(float.NaN, headDim * panelLanes).ToArray();
            pack!(source, offsets, headDim, 0.5f, panel, panelLanes);
            for (int d = 0; d < headDim; d++)
            {
                for (int lane = 0; lane < panelLanes; lane++)
                    Assert.Equal(lane < rows ? source[offsets[lane] + d] * 0.5f : 0f, panel[d * panelLanes + lane]);
            }
        }
    }

    private static float[] SumEach<TOps, TVector>(float[] vectors)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width;
        float[] result = new float[w];
        TOps.Store(TOps.SumEach(TOps.Load(ref vectors[0], 0), TOps.Load(ref vectors[0], w), TOps.Load(ref vectors[0], 2 * w),
            TOps.Load(ref vectors[0], 3 * w), TOps.Load(ref vectors[0], 4 * w), TOps.Load(ref vectors[0], 5 * w),
            TOps.Load(ref vectors[0], 6 * w), TOps.Load(ref vectors[0], 7 * w)), ref result[0], 0);
        return result;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SumEachPutsTheSumOfEachVectorInItsOwnLane(string path)
    {
        Func<float[], float[]>? sumEach = OnPath<Func<float[], float[]>>(path,
            SumEach<Avx512Ops, Vector512<float>>, SumEach<Avx2Ops, Vector256<float>>, SumEach<NeonOps, Vector128<float>>,
            SumEach<ScalarOps, float>);
        Assert.SkipWhen(sumEach is null, $"{path} is not supported here");
        int w = WidthOf(path);
        // Integers, so every order of addition gives the same sum; each lane's weight differs, so a lane added twice or
        // dropped, or a sum in the wrong lane, shows.
        float[] vectors = Enumerable.Range(0, 8 * w).Select(i => (float)((i / w + 1) * (1 << (i % w)))).ToArray();
        float[] sums = sumEach!(vectors);
        for (int lane = 0; lane < w; lane++)
            Assert.Equal(lane < 8 ? (lane + 1) * ((1 << w) - 1) : 0f, sums[lane]);

        // A NaN reaches its own vector's lane only.
        vectors[3 * w + w - 1] = float.NaN;
        sums = sumEach(vectors);
        for (int lane = 0; lane < Math.Min(8, w); lane++)
            Assert.Equal(lane == 3, float.IsNaN(sums[lane]));
    }

    private static float[] StorePairs<TOps, TVector>(float[] lanes)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        float[] rows = Enumerable.Repeat(-1f, 4 * 4).ToArray();
        TOps.StorePairs(TOps.Load(ref lanes[0], 0), ref rows[1], ref rows[5], ref rows[9], ref rows[13]);
        return rows;
    }

    [Theory]
    [InlineData("Avx512")]
    [InlineData("Avx2")]
    public void StorePairsPutsEachPairOfLanesAtItsOwnPlaceAndWritesNothingElse(string path)
    {
        Func<float[], float[]>? storePairs = OnPath<Func<float[], float[]>>(path,
            StorePairs<Avx512Ops, Vector512<float>>, StorePairs<Avx2Ops, Vector256<float>>, null!, null!);
        Assert.SkipWhen(storePairs is null, $"{path} is not supported here");
        float[] rows = storePairs!(Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        for (int row = 0; row < 4; row++)
            for (int column = 0; column < 4; column++)
                Assert.Equal(column is 1 or 2 ? 2 * row + column - 1 : -1f, rows[4 * row + column]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PackScaledRowsGathersScalesAndWritesNothingElse(string path)
    {
        Action<float[], int[], int, float, float[]>? pack = OnPath<Action<float[], int[], int, float, float[]>>(path,
            (s, o, d, f, r) => PanelTranspose.PackScaledRows<Avx512Ops, Vector512<float>>(ref s[0], o, d, f, ref r[0]),
            (s, o, d, f, r) => PanelTranspose.PackScaledRows<Avx2Ops, Vector256<float>>(ref s[0], o, d, f, ref r[0]),
            (s, o, d, f, r) => PanelTranspose.PackScaledRows<NeonOps, Vector128<float>>(ref s[0], o, d, f, ref r[0]),
            (s, o, d, f, r) => PanelTranspose.PackScaledRows<ScalarOps, float>(ref s[0], o, d, f, ref r[0]));
        Assert.SkipWhen(pack is null, $"{path} is not supported here");
        int headDim = 2 * WidthOf(path);
        float[] source = Enumerable.Range(0, 10 * headDim).Select(i => (float)i).ToArray();
        int[] offsets = { 7 * headDim + 1, 2 * headDim, 5 * headDim + 3 };
        float[] rows = Enumerable.Repeat(float.NaN, (offsets.Length + 1) * headDim).ToArray();
        pack!(source, offsets, headDim, 0.25f, rows);
        for (int r = 0; r < offsets.Length; r++)
        {
            for (int d = 0; d < headDim; d++)
                Assert.Equal(source[offsets[r] + d] * 0.25f, rows[r * headDim + d]);
        }

        Assert.All(rows[(offsets.Length * headDim)..], x => Assert.True(float.IsNaN(x)));
    }

    private static float[] UpdateBlockMax<TOps, TVector>(float[] scores, float[] limits, float[] scoreMax, int keys, int unmaskedKeys)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int panelWidth = limits.Length;
        float[] max = Enumerable.Repeat(float.NegativeInfinity, panelWidth).ToArray(), sum = new float[panelWidth],
            rescale = new float[panelWidth], probabilities = (float[])scores.Clone();
        OnlineSoftmax.UpdateBlock<TOps, TVector, CausalShape>(ref probabilities[0], ref max[0], ref sum[0], ref limits[0],
            ref rescale[0], ref rescale[0], ref scoreMax[0], panelWidth, panelWidth,
            new BlockMask(keys, firstKey: 0, latestFirstKey: 0, earliestLastKey: unmaskedKeys - 1), 0, firstBlock: true);
        return max;
    }

    /// <summary>A causal shape without a window, for the softmax's mask.</summary>
    private readonly struct CausalShape : IKernelShape
    {
        public static int SeqLen => 1;
        public static int KvLen => 1;
        public static int Heads => 1;
        public static int KvHeads => 1;
        public static int HeadDim => 1;
        public static bool Causal => true;
        public static bool TokenMajor => false;
        public static float ScoreScale => 1;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void UpdateBlockTakesTheTilesMaxOnlyWhenNoKeyIsMasked(string path)
    {
        Func<float[], float[], float[], int, int, float[]>? update = OnPath<Func<float[], float[], float[], int, int, float[]>>(path,
            UpdateBlockMax<Avx512Ops, Vector512<float>>, UpdateBlockMax<Avx2Ops, Vector256<float>>, UpdateBlockMax<NeonOps, Vector128<float>>,
            UpdateBlockMax<ScalarOps, float>);
        Assert.SkipWhen(update is null, $"{path} is not supported here");
        int lanes = 2 * WidthOf(path), keys = 7;
        var random = new Random(5);
        float[] scores = Enumerable.Range(0, keys * lanes).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        // Lane l attends keys 0 … 2 + l % 5: keys 0 … 2 are unmasked for all.
        float[] limits = Enumerable.Range(0, lanes).Select(l => 2f + l % 5).ToArray();
        float[] tilesMax = Enumerable.Range(0, lanes).Select(l => 10f + l).ToArray();

        // No masked key: the tiles' max is the block's, whatever the scores hold.
        Assert.Equal(tilesMax, update!(scores, limits, tilesMax, keys, keys));

        // Masked keys: the max of each lane's allowed scores, the tiles' max ignored.
        float[] allowedMax = Enumerable.Range(0, lanes)
            .Select(l => Enumerable.Range(0, keys).Where(j => j <= limits[l]).Max(j => scores[j * lanes + l])).ToArray();
        Assert.Equal(allowedMax, update(scores, limits, tilesMax, keys, 3));
    }

    private static bool AreFinite<TOps, TVector>(float[] rows, int rowStride, int count, int length)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct =>
        OnlineSoftmax.AreFinite<TOps, TVector>(ref rows[0], rowStride, count, length);

    [Theory]
    [MemberData(nameof(Paths))]
    public void AreFiniteFindsAnInfinityOrNaNAnywhereInTheRowsAndLooksNowhereElse(string path)
    {
        Func<float[], int, int, int, bool>? areFinite = OnPath<Func<float[], int, int, int, bool>>(path,
            AreFinite<Avx512Ops, Vector512<float>>, AreFinite<Avx2Ops, Vector256<float>>, AreFinite<NeonOps, Vector128<float>>,
            AreFinite<ScalarOps, float>);
        Assert.SkipWhen(areFinite is null, $"{path} is not supported here");
        int w = WidthOf(path);
        // Three rows of 2w + 3 floats (whole vectors and a scalar tail), 3w apart; the gaps between them hold NaN.
        int length = 2 * w + 3, stride = 3 * w + 3, count = 3;
        float[] rows = Enumerable.Repeat(float.NaN, stride * count).ToArray();
        for (int r = 0; r < count; r++)
        {
            for (int i = 0; i < length; i++)
                rows[r * stride + i] = float.MaxValue * (i % 2 == 0 ? 1 : -1);
        }

        Assert.True(areFinite!(rows, stride, count, length));
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            foreach (int at in new[] { 0, w - 1, 2 * w, length - 1, stride + w + 1, 2 * stride + length - 1 })
            {
                float kept = rows[at];
                rows[at] = bad;
                Assert.False(areFinite(rows, stride, count, length), $"{bad} at {at}");
                rows[at] = kept;
            }
        }
    }

    [Fact]
    public void GatherRowsPacksStridedRowsAndWritesNothingElse()
    {
        // Three rows of 5 floats, 12 apart, into consecutive rows of a buffer with a sentinel after them.
        float[] source = Enumerable.Range(0, 3 * 12).Select(i => (float)i).ToArray();
        float[] destination = Enumerable.Repeat(-1f, 3 * 5 + 1).ToArray();
        Scratch.GatherRows(ref source[1], 12, 3, 5, ref destination[0]);
        for (int row = 0; row < 3; row++)
        {
            for (int i = 0; i < 5; i++)
                Assert.Equal(source[1 + row * 12 + i], destination[row * 5 + i]);
        }

        Assert.Equal(-1f, destination[15]);
    }
}
