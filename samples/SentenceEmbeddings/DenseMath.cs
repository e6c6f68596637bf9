using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SentenceEmbeddings;

/// <summary>The encoder's dense layers in plain vectorized C#: a register-blocked matrix product, LayerNorm and GELU.</summary>
public static class DenseMath
{
    /// <summary><c>y = x · W + b</c> for <paramref name="rows"/> rows of x <c>[rows, In]</c>, y <c>[rows, Out]</c>. Four rows
    /// and four vectors of columns at a time (sixteen accumulators), the inner loop over In.</summary>
    public static void Linear(ReadOnlySpan<float> x, int rows, Linear layer, Span<float> y)
    {
        int n = layer.In, m = layer.Out, w = Vector<float>.Count;
        if (m % (4 * w) != 0)
            throw new NotSupportedException($"Output width {m} is not a multiple of {4 * w}.");
        ref float a = ref MemoryMarshal.GetReference(x);
        ref float b = ref MemoryMarshal.GetArrayDataReference(layer.Weight);
        ref float c = ref MemoryMarshal.GetReference(y);
        // Columns outside, rows inside: one block of W's columns (In × 4 vectors) stays in cache for every row, so W is
        // read from memory once per call however few the rows.
        for (int col = 0; col < m; col += 4 * w)
        {
            ReadOnlySpan<float> bias = layer.Bias.AsSpan(col);
            int r = 0;
            for (; r + 4 <= rows; r += 4)
                Block4(ref Unsafe.Add(ref a, r * n), n, ref Unsafe.Add(ref b, col), m, ref Unsafe.Add(ref c, r * m + col), bias);
            for (; r < rows; r++)
                Block1(ref Unsafe.Add(ref a, r * n), n, ref Unsafe.Add(ref b, col), m, ref Unsafe.Add(ref c, r * m + col), bias);
        }
    }

    private static void Block1(ref float a, int n, ref float b, int m, ref float c, ReadOnlySpan<float> bias)
    {
        int w = Vector<float>.Count;
        Vector<float> c0 = new(bias), c1 = new(bias.Slice(w)), c2 = new(bias.Slice(2 * w)), c3 = new(bias.Slice(3 * w));
        for (int k = 0; k < n; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * m);
            var x = new Vector<float>(Unsafe.Add(ref a, k));
            c0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref bk), c0);
            c1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref bk, (nuint)w), c1);
            c2 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref bk, (nuint)(2 * w)), c2);
            c3 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref bk, (nuint)(3 * w)), c3);
        }

        Store(c0, c1, c2, c3, ref c, w);
    }

    private static void Block4(ref float a, int n, ref float b, int m, ref float c, ReadOnlySpan<float> bias)
    {
        int w = Vector<float>.Count;
        var b0 = new Vector<float>(bias);
        var b1 = new Vector<float>(bias.Slice(w));
        var b2 = new Vector<float>(bias.Slice(2 * w));
        var b3 = new Vector<float>(bias.Slice(3 * w));
        Vector<float> c00 = b0, c01 = b1, c02 = b2, c03 = b3, c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        Vector<float> c20 = b0, c21 = b1, c22 = b2, c23 = b3, c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        for (int k = 0; k < n; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * m);
            Vector<float> w0 = Vector.LoadUnsafe(ref bk), w1 = Vector.LoadUnsafe(ref bk, (nuint)w);
            Vector<float> w2 = Vector.LoadUnsafe(ref bk, (nuint)(2 * w)), w3 = Vector.LoadUnsafe(ref bk, (nuint)(3 * w));
            var x0 = new Vector<float>(Unsafe.Add(ref a, k));
            c00 = Vector.FusedMultiplyAdd(x0, w0, c00); c01 = Vector.FusedMultiplyAdd(x0, w1, c01);
            c02 = Vector.FusedMultiplyAdd(x0, w2, c02); c03 = Vector.FusedMultiplyAdd(x0, w3, c03);
            var x1 = new Vector<float>(Unsafe.Add(ref a, n + k));
            c10 = Vector.FusedMultiplyAdd(x1, w0, c10); c11 = Vector.FusedMultiplyAdd(x1, w1, c11);
            c12 = Vector.FusedMultiplyAdd(x1, w2, c12); c13 = Vector.FusedMultiplyAdd(x1, w3, c13);
            var x2 = new Vector<float>(Unsafe.Add(ref a, 2 * n + k));
            c20 = Vector.FusedMultiplyAdd(x2, w0, c20); c21 = Vector.FusedMultiplyAdd(x2, w1, c21);
            c22 = Vector.FusedMultiplyAdd(x2, w2, c22); c23 = Vector.FusedMultiplyAdd(x2, w3, c23);
            var x3 = new Vector<float>(Unsafe.Add(ref a, 3 * n + k));
            c30 = Vector.FusedMultiplyAdd(x3, w0, c30); c31 = Vector.FusedMultiplyAdd(x3, w1, c31);
            c32 = Vector.FusedMultiplyAdd(x3, w2, c32); c33 = Vector.FusedMultiplyAdd(x3, w3, c33);
        }

        Store(c00, c01, c02, c03, ref c, w);
        Store(c10, c11, c12, c13, ref Unsafe.Add(ref c, m), w);
        Store(c20, c21, c22, c23, ref Unsafe.Add(ref c, 2 * m), w);
        Store(c30, c31, c32, c33, ref Unsafe.Add(ref c, 3 * m), w);
    }

    private static void Store(Vector<float> v0, Vector<float> v1, Vector<float> v2, Vector<float> v3, ref float row, int w)
    {
        v0.StoreUnsafe(ref row);
        v1.StoreUnsafe(ref row, (nuint)w);
        v2.StoreUnsafe(ref row, (nuint)(2 * w));
        v3.StoreUnsafe(ref row, (nuint)(3 * w));
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
