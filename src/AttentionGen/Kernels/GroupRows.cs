using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Decoding for the query heads of one GQA group at one position, four rows at a time: each key and value row is read
/// (and, 16-bit, converted) once for the four rows instead of once per row. Fewer rows repeat the last one: a repeated
/// row computes and stores the same numbers twice.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GroupRows
{
    /// <summary>Rows computed together.</summary>
    public const int Rows = 4;

    /// <summary><c>scores_r[j] = scale · q_r·k[j]</c>, the keys as <see cref="KeyValueFormat.LoadScaled"/> reads them, each sum
    /// multiplied back before the scale, for the four rows and <paramref name="count"/> keys, two keys at a
    /// time (eight accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TOps, TVector, TShape>(ref float q0, ref float q1, ref float q2, ref float q3, ref byte keys,
        int keyStride, int count, float scale, ref float s0, ref float s1, ref float s2, ref float s3)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int headDim = TShape.HeadDim, vectorEnd = headDim - headDim % TOps.Width;
        Span<float> sums = stackalloc float[16];
        int j = 0;
        for (; j + 2 <= count; j += 2)
        {
            ref byte k0 = ref KeyValueFormat.At<TShape>(ref keys, j * keyStride);
            ref byte k1 = ref KeyValueFormat.At<TShape>(ref k0, keyStride);
            CachePrefetch.Rows<TShape>(ref KeyValueFormat.At<TShape>(ref k0, CachePrefetch.RowsAhead<TShape>() * keyStride), keyStride, 2, headDim);
            TVector a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            for (int d = 0; d < vectorEnd; d += TOps.Width)
            {
                TVector x0 = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k0, d), x1 = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k1, d);
                TVector q = TOps.Load(ref q0, d);
                a00 = TOps.MultiplyAdd(q, x0, a00);
                a01 = TOps.MultiplyAdd(q, x1, a01);
                q = TOps.Load(ref q1, d);
                a10 = TOps.MultiplyAdd(q, x0, a10);
                a11 = TOps.MultiplyAdd(q, x1, a11);
                q = TOps.Load(ref q2, d);
                a20 = TOps.MultiplyAdd(q, x0, a20);
                a21 = TOps.MultiplyAdd(q, x1, a21);
                q = TOps.Load(ref q3, d);
                a30 = TOps.MultiplyAdd(q, x0, a30);
                a31 = TOps.MultiplyAdd(q, x1, a31);
            }

            // Eight horizontal sums in one SumEach where a vector holds eight lanes, stored as they are when the head
            // dimension has no tail.
            if (TOps.Width >= 8 && vectorEnd == headDim)
            {
                TVector dots = TOps.Multiply(TOps.SumEach(a00, a01, a10, a11, a20, a21, a30, a31),
                    TOps.Broadcast(KeyValueFormat.ScaledLoadFactor<TShape>()));
                TOps.StorePairs(TOps.Multiply(dots, TOps.Broadcast(scale)),
                    ref Unsafe.Add(ref s0, j), ref Unsafe.Add(ref s1, j), ref Unsafe.Add(ref s2, j), ref Unsafe.Add(ref s3, j));
                continue;
            }

            if (TOps.Width >= 8)
                TOps.Store(TOps.SumEach(a00, a01, a10, a11, a20, a21, a30, a31), ref MemoryMarshal.GetReference(sums), 0);
            else
                (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]) =
                    (TOps.Sum(a00), TOps.Sum(a01), TOps.Sum(a10), TOps.Sum(a11), TOps.Sum(a20), TOps.Sum(a21), TOps.Sum(a30), TOps.Sum(a31));
            Finish<TShape>(sums[0], ref q0, ref k0, vectorEnd, headDim, scale, ref Unsafe.Add(ref s0, j));
            Finish<TShape>(sums[1], ref q0, ref k1, vectorEnd, headDim, scale, ref Unsafe.Add(ref s0, j + 1));
            Finish<TShape>(sums[2], ref q1, ref k0, vectorEnd, headDim, scale, ref Unsafe.Add(ref s1, j));
            Finish<TShape>(sums[3], ref q1, ref k1, vectorEnd, headDim, scale, ref Unsafe.Add(ref s1, j + 1));
            Finish<TShape>(sums[4], ref q2, ref k0, vectorEnd, headDim, scale, ref Unsafe.Add(ref s2, j));
            Finish<TShape>(sums[5], ref q2, ref k1, vectorEnd, headDim, scale, ref Unsafe.Add(ref s2, j + 1));
            Finish<TShape>(sums[6], ref q3, ref k0, vectorEnd, headDim, scale, ref Unsafe.Add(ref s3, j));
            Finish<TShape>(sums[7], ref q3, ref k1, vectorEnd, headDim, scale, ref Unsafe.Add(ref s3, j + 1));
        }

        for (; j < count; j++)
        {
            ref byte k = ref KeyValueFormat.At<TShape>(ref keys, j * keyStride);
            TVector a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < vectorEnd; d += TOps.Width)
            {
                TVector x = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k, d);
                a0 = TOps.MultiplyAdd(TOps.Load(ref q0, d), x, a0);
                a1 = TOps.MultiplyAdd(TOps.Load(ref q1, d), x, a1);
                a2 = TOps.MultiplyAdd(TOps.Load(ref q2, d), x, a2);
                a3 = TOps.MultiplyAdd(TOps.Load(ref q3, d), x, a3);
            }

            Finish<TShape>(TOps.Sum(a0), ref q0, ref k, vectorEnd, headDim, scale, ref Unsafe.Add(ref s0, j));
            Finish<TShape>(TOps.Sum(a1), ref q1, ref k, vectorEnd, headDim, scale, ref Unsafe.Add(ref s1, j));
            Finish<TShape>(TOps.Sum(a2), ref q2, ref k, vectorEnd, headDim, scale, ref Unsafe.Add(ref s2, j));
            Finish<TShape>(TOps.Sum(a3), ref q3, ref k, vectorEnd, headDim, scale, ref Unsafe.Add(ref s3, j));
        }
    }

    /// <summary>Adds the head dimensions past the last whole vector to a dot product and stores it scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TShape>(float sum, ref float query, ref byte key, int vectorEnd, int headDim, float scale, ref float score)
        where TShape : struct, IKernelShape
    {
        for (int d = vectorEnd; d < headDim; d++)
            sum += Unsafe.Add(ref query, d) * KeyValueFormat.LoadScalarScaled<TShape>(ref key, d);
        score = sum * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
    }

    /// <summary><c>acc_r = acc_r · alpha_r + Σⱼ p_r[j] · v[j]</c> for the four rows, four vectors of the head dimension
    /// at a time (sixteen accumulators), then one; each value row is read once per pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TOps, TVector, TShape>(ref byte values, int valueStride, int count, int headDim,
        ref float p0, ref float p1, ref float p2, ref float p3, float alpha0, float alpha1, float alpha2, float alpha3,
        ref float o0, ref float o1, ref float o2, ref float o3)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int w = TOps.Width, vectorEnd = headDim - headDim % w, d = 0;
        for (; d + 4 * w <= vectorEnd; d += 4 * w)
        {
            Pass<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref values, d), valueStride, count, ref p0, ref p1, ref p2, ref p3,
                alpha0, alpha1, alpha2, alpha3,
                ref Unsafe.Add(ref o0, d), ref Unsafe.Add(ref o1, d), ref Unsafe.Add(ref o2, d), ref Unsafe.Add(ref o3, d), vectors: 4,
                prefetch: d == 0 ? headDim : 0);
        }

        for (; d < vectorEnd; d += w)
        {
            Pass<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref values, d), valueStride, count, ref p0, ref p1, ref p2, ref p3,
                alpha0, alpha1, alpha2, alpha3,
                ref Unsafe.Add(ref o0, d), ref Unsafe.Add(ref o1, d), ref Unsafe.Add(ref o2, d), ref Unsafe.Add(ref o3, d), vectors: 1,
                prefetch: d == 0 ? headDim : 0);
        }

        for (; d < headDim; d++)
        {
            // All four computed before any is stored: a repeated row's accumulator is the same memory.
            float a0 = TailDimension<TShape>(ref values, valueStride, count, d, ref p0, alpha0, Unsafe.Add(ref o0, d));
            float a1 = TailDimension<TShape>(ref values, valueStride, count, d, ref p1, alpha1, Unsafe.Add(ref o1, d));
            float a2 = TailDimension<TShape>(ref values, valueStride, count, d, ref p2, alpha2, Unsafe.Add(ref o2, d));
            float a3 = TailDimension<TShape>(ref values, valueStride, count, d, ref p3, alpha3, Unsafe.Add(ref o3, d));
            (Unsafe.Add(ref o0, d), Unsafe.Add(ref o1, d), Unsafe.Add(ref o2, d), Unsafe.Add(ref o3, d)) = (a0, a1, a2, a3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float TailDimension<TShape>(ref byte values, int valueStride, int count, int d, ref float probabilities, float alpha,
        float accumulator)
        where TShape : struct, IKernelShape
    {
        float a = accumulator * alpha;
        for (int j = 0; j < count; j++)
            a += Unsafe.Add(ref probabilities, j) * KeyValueFormat.LoadScalarScaled<TShape>(ref values, j * valueStride + d);
        return a;
    }

    /// <summary>One pass over the keys for <paramref name="vectors"/> (4 or 1, a constant at each call site) vectors of
    /// the head dimension of the four rows, the accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pass<TOps, TVector, TShape>(ref byte values, int valueStride, int count,
        ref float p0, ref float p1, ref float p2, ref float p3, float alpha0, float alpha1, float alpha2, float alpha3,
        ref float o0, ref float o1, ref float o2, ref float o3, int vectors, int prefetch)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int w = TOps.Width;
        TVector r0 = TOps.Broadcast(alpha0), r1 = TOps.Broadcast(alpha1);
        TVector r2 = TOps.Broadcast(alpha2), r3 = TOps.Broadcast(alpha3);
        TVector c00 = TOps.Multiply(TOps.Load(ref o0, 0), r0), c10 = TOps.Multiply(TOps.Load(ref o1, 0), r1);
        TVector c20 = TOps.Multiply(TOps.Load(ref o2, 0), r2), c30 = TOps.Multiply(TOps.Load(ref o3, 0), r3);
        TVector c01 = default, c11 = default, c21 = default, c31 = default, c02 = default, c12 = default, c22 = default, c32 = default;
        TVector c03 = default, c13 = default, c23 = default, c33 = default;
        if (vectors == 4)
        {
            c01 = TOps.Multiply(TOps.Load(ref o0, w), r0);
            c11 = TOps.Multiply(TOps.Load(ref o1, w), r1);
            c21 = TOps.Multiply(TOps.Load(ref o2, w), r2);
            c31 = TOps.Multiply(TOps.Load(ref o3, w), r3);
            c02 = TOps.Multiply(TOps.Load(ref o0, 2 * w), r0);
            c12 = TOps.Multiply(TOps.Load(ref o1, 2 * w), r1);
            c22 = TOps.Multiply(TOps.Load(ref o2, 2 * w), r2);
            c32 = TOps.Multiply(TOps.Load(ref o3, 2 * w), r3);
            c03 = TOps.Multiply(TOps.Load(ref o0, 3 * w), r0);
            c13 = TOps.Multiply(TOps.Load(ref o1, 3 * w), r1);
            c23 = TOps.Multiply(TOps.Load(ref o2, 3 * w), r2);
            c33 = TOps.Multiply(TOps.Load(ref o3, 3 * w), r3);
        }

        ref byte v = ref values;
        for (int j = 0; j < count; j++)
        {
            if (prefetch > 0)
                CachePrefetch.Rows<TShape>(ref KeyValueFormat.At<TShape>(ref v, CachePrefetch.RowsAhead<TShape>() * valueStride), valueStride, 1, prefetch);
            TVector b0 = TOps.Broadcast(Unsafe.Add(ref p0, j)), b1 = TOps.Broadcast(Unsafe.Add(ref p1, j));
            TVector b2 = TOps.Broadcast(Unsafe.Add(ref p2, j)), b3 = TOps.Broadcast(Unsafe.Add(ref p3, j));
            TVector x = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 0);
            c00 = TOps.MultiplyAdd(b0, x, c00);
            c10 = TOps.MultiplyAdd(b1, x, c10);
            c20 = TOps.MultiplyAdd(b2, x, c20);
            c30 = TOps.MultiplyAdd(b3, x, c30);
            if (vectors == 4)
            {
                x = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, w);
                c01 = TOps.MultiplyAdd(b0, x, c01);
                c11 = TOps.MultiplyAdd(b1, x, c11);
                c21 = TOps.MultiplyAdd(b2, x, c21);
                c31 = TOps.MultiplyAdd(b3, x, c31);
                x = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 2 * w);
                c02 = TOps.MultiplyAdd(b0, x, c02);
                c12 = TOps.MultiplyAdd(b1, x, c12);
                c22 = TOps.MultiplyAdd(b2, x, c22);
                c32 = TOps.MultiplyAdd(b3, x, c32);
                x = KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 3 * w);
                c03 = TOps.MultiplyAdd(b0, x, c03);
                c13 = TOps.MultiplyAdd(b1, x, c13);
                c23 = TOps.MultiplyAdd(b2, x, c23);
                c33 = TOps.MultiplyAdd(b3, x, c33);
            }

            v = ref KeyValueFormat.At<TShape>(ref v, valueStride);
        }

        TOps.Store(c00, ref o0, 0);
        TOps.Store(c10, ref o1, 0);
        TOps.Store(c20, ref o2, 0);
        TOps.Store(c30, ref o3, 0);
        if (vectors == 4)
        {
            TOps.Store(c01, ref o0, w);
            TOps.Store(c11, ref o1, w);
            TOps.Store(c21, ref o2, w);
            TOps.Store(c31, ref o3, w);
            TOps.Store(c02, ref o0, 2 * w);
            TOps.Store(c12, ref o1, 2 * w);
            TOps.Store(c22, ref o2, 2 * w);
            TOps.Store(c32, ref o3, 2 * w);
            TOps.Store(c03, ref o0, 3 * w);
            TOps.Store(c13, ref o1, 3 * w);
            TOps.Store(c23, ref o2, 3 * w);
            TOps.Store(c33, ref o3, 3 * w);
        }
    }
}
