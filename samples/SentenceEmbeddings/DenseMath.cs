using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AttentionGen.Kernels;

namespace SentenceEmbeddings;

/// <summary>The encoder's dense layers in plain vectorized C#: a register-blocked matrix product (over AttentionGen's
/// instruction-set operations), LayerNorm and GELU.</summary>
public static class DenseMath
{
    /// <summary><c>y = x · W + b</c> for <paramref name="rows"/> rows of x <c>[rows, In]</c>, y <c>[rows, Out]</c>, with the
    /// widest vectors this machine has (AttentionGen's instruction-set operations).</summary>
    public static void Linear(ReadOnlySpan<float> x, int rows, Linear layer, Span<float> y)
    {
        if (Avx512Ops.IsSupported)
            Linear<Avx512Ops, Vector512<float>>(x, rows, layer, y);
        else if (Avx2Ops.IsSupported)
            Linear<Avx2Ops, Vector256<float>>(x, rows, layer, y);
        else if (NeonOps.IsSupported)
            Linear<NeonOps, Vector128<float>>(x, rows, layer, y);
        else
            Linear<ScalarOps, float>(x, rows, layer, y);
    }

    /// <summary>The columns of W one tile computes on this machine: three vectors with AVX-512, four otherwise.</summary>
    public static int TileColumns() =>
        Avx512Ops.IsSupported ? TileColumns<Avx512Ops, Vector512<float>>() :
        Avx2Ops.IsSupported ? TileColumns<Avx2Ops, Vector256<float>>() :
        NeonOps.IsSupported ? TileColumns<NeonOps, Vector128<float>>() :
        TileColumns<ScalarOps, float>();

    private static int TileColumns<TOps, TVector>()
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct =>
        (TOps.Width >= 16 ? 3 : 4) * TOps.Width;

    /// <summary>W <c>[In, Out]</c> rearranged for the tiles: blocks of <see cref="TileColumns()"/> columns, one after
    /// another, each its In rows contiguous.</summary>
    public static float[] Pack(float[] weight, int rows, int columns)
    {
        int block = TileColumns();
        if (columns % block != 0)
            throw new NotSupportedException($"Output width {columns} is not a multiple of {block}.");
        float[] packed = new float[weight.Length];
        for (int col = 0; col < columns; col += block)
            for (int k = 0; k < rows; k++)
                Array.Copy(weight, k * columns + col, packed, col * rows + k * block, block);
        return packed;
    }

    /// <summary>Columns outside, rows inside: one block of W's columns (In × the tile's vectors, packed contiguous) stays in
    /// cache for every row, so W is read from memory once per call, as one stream, however few the rows. With wide vectors (AVX-512, 32 registers) the
    /// tile is eight rows by three vectors (24 accumulators; three loads of W and eight broadcasts per 24 FMAs), and a
    /// last tile of fewer rows repeats its last row. Otherwise four rows by four vectors (16 accumulators), then single
    /// rows.</summary>
    private static void Linear<TOps, TVector>(ReadOnlySpan<float> x, int rows, Linear layer, Span<float> y)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int n = layer.In, m = layer.Out, columns = TileColumns<TOps, TVector>();
        bool eightRows = TOps.Width >= 16;
        ref float a = ref MemoryMarshal.GetReference(x);
        ref float c = ref MemoryMarshal.GetReference(y);
        for (int col = 0; col < m; col += columns)
        {
            ref float block = ref layer.Packed[col * n];
            ref float bias = ref layer.Bias[col];
            if (eightRows)
            {
                for (int r = 0; r < rows; r += 8)
                {
                    Block8x3<TOps, TVector>(ref Unsafe.Add(ref a, r * n), n, ref block, columns, ref Unsafe.Add(ref c, r * m + col), m, ref bias,
                        Math.Min(8, rows - r));
                }

                continue;
            }

            int row = 0;
            for (; row + 4 <= rows; row += 4)
                Block4<TOps, TVector>(ref Unsafe.Add(ref a, row * n), n, ref block, columns, ref Unsafe.Add(ref c, row * m + col), m, ref bias);
            for (; row < rows; row++)
                Block1<TOps, TVector>(ref Unsafe.Add(ref a, row * n), n, ref block, columns, ref Unsafe.Add(ref c, row * m + col), m, ref bias);
        }
    }

    /// <summary>Eight rows by three vectors; rows past <paramref name="rows"/> repeat the last one (the same numbers
    /// computed and stored again).</summary>
    private static void Block8x3<TOps, TVector>(ref float a, int n, ref float b, int ldb, ref float c, int m, ref float bias, int rows)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width, last = rows - 1;
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, Math.Min(1, last) * n), a2 = ref Unsafe.Add(ref a, Math.Min(2, last) * n);
        ref float a3 = ref Unsafe.Add(ref a, Math.Min(3, last) * n), a4 = ref Unsafe.Add(ref a, Math.Min(4, last) * n);
        ref float a5 = ref Unsafe.Add(ref a, Math.Min(5, last) * n), a6 = ref Unsafe.Add(ref a, Math.Min(6, last) * n);
        ref float a7 = ref Unsafe.Add(ref a, Math.Min(7, last) * n);
        TVector b0 = TOps.Load(ref bias, 0), b1 = TOps.Load(ref bias, w), b2 = TOps.Load(ref bias, 2 * w);
        TVector c00 = b0, c01 = b1, c02 = b2, c10 = b0, c11 = b1, c12 = b2, c20 = b0, c21 = b1, c22 = b2, c30 = b0, c31 = b1, c32 = b2;
        TVector c40 = b0, c41 = b1, c42 = b2, c50 = b0, c51 = b1, c52 = b2, c60 = b0, c61 = b1, c62 = b2, c70 = b0, c71 = b1, c72 = b2;
        for (int k = 0; k < n; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            TVector w0 = TOps.Load(ref bk, 0), w1 = TOps.Load(ref bk, w), w2 = TOps.Load(ref bk, 2 * w);
            TVector x = TOps.Broadcast(Unsafe.Add(ref a0, k));
            c00 = TOps.MultiplyAdd(x, w0, c00); c01 = TOps.MultiplyAdd(x, w1, c01); c02 = TOps.MultiplyAdd(x, w2, c02);
            x = TOps.Broadcast(Unsafe.Add(ref a1, k));
            c10 = TOps.MultiplyAdd(x, w0, c10); c11 = TOps.MultiplyAdd(x, w1, c11); c12 = TOps.MultiplyAdd(x, w2, c12);
            x = TOps.Broadcast(Unsafe.Add(ref a2, k));
            c20 = TOps.MultiplyAdd(x, w0, c20); c21 = TOps.MultiplyAdd(x, w1, c21); c22 = TOps.MultiplyAdd(x, w2, c22);
            x = TOps.Broadcast(Unsafe.Add(ref a3, k));
            c30 = TOps.MultiplyAdd(x, w0, c30); c31 = TOps.MultiplyAdd(x, w1, c31); c32 = TOps.MultiplyAdd(x, w2, c32);
            x = TOps.Broadcast(Unsafe.Add(ref a4, k));
            c40 = TOps.MultiplyAdd(x, w0, c40); c41 = TOps.MultiplyAdd(x, w1, c41); c42 = TOps.MultiplyAdd(x, w2, c42);
            x = TOps.Broadcast(Unsafe.Add(ref a5, k));
            c50 = TOps.MultiplyAdd(x, w0, c50); c51 = TOps.MultiplyAdd(x, w1, c51); c52 = TOps.MultiplyAdd(x, w2, c52);
            x = TOps.Broadcast(Unsafe.Add(ref a6, k));
            c60 = TOps.MultiplyAdd(x, w0, c60); c61 = TOps.MultiplyAdd(x, w1, c61); c62 = TOps.MultiplyAdd(x, w2, c62);
            x = TOps.Broadcast(Unsafe.Add(ref a7, k));
            c70 = TOps.MultiplyAdd(x, w0, c70); c71 = TOps.MultiplyAdd(x, w1, c71); c72 = TOps.MultiplyAdd(x, w2, c72);
        }

        // Rows past the last one store the last row's numbers again, where the last row is.
        Store3<TOps, TVector>(c70, c71, c72, ref Unsafe.Add(ref c, Math.Min(7, last) * m));
        Store3<TOps, TVector>(c60, c61, c62, ref Unsafe.Add(ref c, Math.Min(6, last) * m));
        Store3<TOps, TVector>(c50, c51, c52, ref Unsafe.Add(ref c, Math.Min(5, last) * m));
        Store3<TOps, TVector>(c40, c41, c42, ref Unsafe.Add(ref c, Math.Min(4, last) * m));
        Store3<TOps, TVector>(c30, c31, c32, ref Unsafe.Add(ref c, Math.Min(3, last) * m));
        Store3<TOps, TVector>(c20, c21, c22, ref Unsafe.Add(ref c, Math.Min(2, last) * m));
        Store3<TOps, TVector>(c10, c11, c12, ref Unsafe.Add(ref c, Math.Min(1, last) * m));
        Store3<TOps, TVector>(c00, c01, c02, ref c);
    }

    private static void Store3<TOps, TVector>(TVector v0, TVector v1, TVector v2, ref float row)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        TOps.Store(v0, ref row, 0);
        TOps.Store(v1, ref row, TOps.Width);
        TOps.Store(v2, ref row, 2 * TOps.Width);
    }

    private static void Block4<TOps, TVector>(ref float a, int n, ref float b, int ldb, ref float c, int m, ref float bias)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width;
        TVector b0 = TOps.Load(ref bias, 0), b1 = TOps.Load(ref bias, w), b2 = TOps.Load(ref bias, 2 * w), b3 = TOps.Load(ref bias, 3 * w);
        TVector c00 = b0, c01 = b1, c02 = b2, c03 = b3, c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        TVector c20 = b0, c21 = b1, c22 = b2, c23 = b3, c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        for (int k = 0; k < n; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            TVector w0 = TOps.Load(ref bk, 0), w1 = TOps.Load(ref bk, w), w2 = TOps.Load(ref bk, 2 * w), w3 = TOps.Load(ref bk, 3 * w);
            TVector x0 = TOps.Broadcast(Unsafe.Add(ref a, k));
            c00 = TOps.MultiplyAdd(x0, w0, c00); c01 = TOps.MultiplyAdd(x0, w1, c01);
            c02 = TOps.MultiplyAdd(x0, w2, c02); c03 = TOps.MultiplyAdd(x0, w3, c03);
            TVector x1 = TOps.Broadcast(Unsafe.Add(ref a, n + k));
            c10 = TOps.MultiplyAdd(x1, w0, c10); c11 = TOps.MultiplyAdd(x1, w1, c11);
            c12 = TOps.MultiplyAdd(x1, w2, c12); c13 = TOps.MultiplyAdd(x1, w3, c13);
            TVector x2 = TOps.Broadcast(Unsafe.Add(ref a, 2 * n + k));
            c20 = TOps.MultiplyAdd(x2, w0, c20); c21 = TOps.MultiplyAdd(x2, w1, c21);
            c22 = TOps.MultiplyAdd(x2, w2, c22); c23 = TOps.MultiplyAdd(x2, w3, c23);
            TVector x3 = TOps.Broadcast(Unsafe.Add(ref a, 3 * n + k));
            c30 = TOps.MultiplyAdd(x3, w0, c30); c31 = TOps.MultiplyAdd(x3, w1, c31);
            c32 = TOps.MultiplyAdd(x3, w2, c32); c33 = TOps.MultiplyAdd(x3, w3, c33);
        }

        Store<TOps, TVector>(c00, c01, c02, c03, ref c);
        Store<TOps, TVector>(c10, c11, c12, c13, ref Unsafe.Add(ref c, m));
        Store<TOps, TVector>(c20, c21, c22, c23, ref Unsafe.Add(ref c, 2 * m));
        Store<TOps, TVector>(c30, c31, c32, c33, ref Unsafe.Add(ref c, 3 * m));
    }

    private static void Block1<TOps, TVector>(ref float a, int n, ref float b, int ldb, ref float c, int m, ref float bias)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width;
        TVector c0 = TOps.Load(ref bias, 0), c1 = TOps.Load(ref bias, w), c2 = TOps.Load(ref bias, 2 * w), c3 = TOps.Load(ref bias, 3 * w);
        for (int k = 0; k < n; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            TVector x = TOps.Broadcast(Unsafe.Add(ref a, k));
            c0 = TOps.MultiplyAdd(x, TOps.Load(ref bk, 0), c0);
            c1 = TOps.MultiplyAdd(x, TOps.Load(ref bk, w), c1);
            c2 = TOps.MultiplyAdd(x, TOps.Load(ref bk, 2 * w), c2);
            c3 = TOps.MultiplyAdd(x, TOps.Load(ref bk, 3 * w), c3);
        }

        Store<TOps, TVector>(c0, c1, c2, c3, ref c);
    }

    private static void Store<TOps, TVector>(TVector v0, TVector v1, TVector v2, TVector v3, ref float row)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        Store3<TOps, TVector>(v0, v1, v2, ref row);
        TOps.Store(v3, ref row, 3 * TOps.Width);
    }

    /// <summary>LayerNorm of each row in place, as BERT has it (ε = 1e−12, the biased variance).</summary>
    public static void LayerNorm(Span<float> x, int rows, Norm norm)
    {
        int width = norm.Scale.Length;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = x.Slice(r * width, width);
            float mean = TensorPrimitives.Sum<float>(row) / width;
            TensorPrimitives.Subtract(row, mean, row);
            float variance = TensorPrimitives.SumOfSquares<float>(row) / width;
            TensorPrimitives.Multiply(row, 1 / MathF.Sqrt(variance + 1e-12f), row);
            TensorPrimitives.MultiplyAdd(row, norm.Scale, norm.Shift, row);
        }
    }

    /// <summary>GELU, the erf form BERT uses: <c>x · (1 + erf(x / √2)) / 2</c>, erf by Abramowitz and Stegun 7.1.26
    /// (absolute error under 1.5e−7), vectorized.</summary>
    public static void Gelu(Span<float> x)
    {
        int w = Vector<float>.Count, i = 0;
        ref float start = ref MemoryMarshal.GetReference(x);
        for (; i + w <= x.Length; i += w)
        {
            Vector<float> v = Vector.LoadUnsafe(ref start, (nuint)i);
            Vector<float> u = v * 0.70710678f, magnitude = Vector.Abs(u);
            Vector<float> t = Vector<float>.One / (Vector<float>.One + magnitude * 0.3275911f);
            Vector<float> poly = Vector.FusedMultiplyAdd(new Vector<float>(1.061405429f), t, new Vector<float>(-1.453152027f));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(1.421413741f));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(-0.284496736f));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(0.254829592f));
            Vector<float> erf = Vector<float>.One - poly * t * Vector.Exp(-(magnitude * magnitude));
            erf = Vector.ConditionalSelect(Vector.LessThan(u, Vector<float>.Zero), -erf, erf);
            (v * 0.5f * (Vector<float>.One + erf)).StoreUnsafe(ref start, (nuint)i);
        }

        for (; i < x.Length; i++)
            x[i] = (float)(0.5 * x[i] * (1 + Erf(x[i] * 0.7071067811865476)));
    }

    /// <summary>erf to about 1e−7 (Abramowitz and Stegun 7.1.26).</summary>
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x < 0 ? -y : y;
    }
}
