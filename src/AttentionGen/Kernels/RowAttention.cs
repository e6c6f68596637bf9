using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Attention for a few query rows against many keys (decoding): the head dimension lives in vector lanes and
/// each row streams its keys once, converting 16-bit keys and values to float32 as it loads them. Used by generated kernels whose rows per key/value head are too few to fill
/// a panel of lanes. Shape-independent: written once, for every vector type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowAttention
{
    /// <summary><c>scores[j] = scale · q·k[j]</c> for <paramref name="count"/> keys, four keys at a time, the keys as
    /// <see cref="KeyValueFormat.LoadScaled"/> reads them, each sum multiplied back before the scale.</summary>
    /// <param name="query">The query row (<paramref name="headDim"/> floats).</param>
    /// <param name="keys">The first key row.</param>
    /// <param name="keyStride">Elements between key rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TOps, TVector, TShape>(ref float query, ref byte keys, int keyStride, int count, int headDim,
        float scale, ref float scores)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int vectorEnd = headDim - headDim % TOps.Width;
        int j = 0;
        for (; j + 4 <= count; j += 4)
        {
            ref byte k0 = ref KeyValueFormat.At<TShape>(ref keys, j * keyStride);
            ref byte k1 = ref KeyValueFormat.At<TShape>(ref k0, keyStride);
            ref byte k2 = ref KeyValueFormat.At<TShape>(ref k1, keyStride);
            ref byte k3 = ref KeyValueFormat.At<TShape>(ref k2, keyStride);
            CachePrefetch.Rows<TShape>(ref KeyValueFormat.At<TShape>(ref k0, CachePrefetch.RowsAhead<TShape>() * keyStride), keyStride, 4, headDim);
            TVector a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < vectorEnd; d += TOps.Width)
            {
                TVector q = TOps.Load(ref query, d);
                a0 = TOps.MultiplyAdd(q, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k0, d), a0);
                a1 = TOps.MultiplyAdd(q, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k1, d), a1);
                a2 = TOps.MultiplyAdd(q, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k2, d), a2);
                a3 = TOps.MultiplyAdd(q, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k3, d), a3);
            }

            float s0 = TOps.Sum(a0), s1 = TOps.Sum(a1), s2 = TOps.Sum(a2), s3 = TOps.Sum(a3);
            for (int d = vectorEnd; d < headDim; d++)
            {
                float q = Unsafe.Add(ref query, d);
                s0 += q * KeyValueFormat.LoadScalarScaled<TShape>(ref k0, d);
                s1 += q * KeyValueFormat.LoadScalarScaled<TShape>(ref k1, d);
                s2 += q * KeyValueFormat.LoadScalarScaled<TShape>(ref k2, d);
                s3 += q * KeyValueFormat.LoadScalarScaled<TShape>(ref k3, d);
            }

            Unsafe.Add(ref scores, j) = s0 * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
            Unsafe.Add(ref scores, j + 1) = s1 * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
            Unsafe.Add(ref scores, j + 2) = s2 * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
            Unsafe.Add(ref scores, j + 3) = s3 * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
        }

        for (; j < count; j++)
        {
            ref byte k = ref KeyValueFormat.At<TShape>(ref keys, j * keyStride);
            TVector a = default;
            for (int d = 0; d < vectorEnd; d += TOps.Width)
                a = TOps.MultiplyAdd(TOps.Load(ref query, d), KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref k, d), a);
            float s = TOps.Sum(a);
            for (int d = vectorEnd; d < headDim; d++)
                s += Unsafe.Add(ref query, d) * KeyValueFormat.LoadScalarScaled<TShape>(ref k, d);
            Unsafe.Add(ref scores, j) = s * KeyValueFormat.ScaledLoadFactor<TShape>() * scale;
        }
    }

    /// <summary>
    /// Folds a block of scores (in log2 units) into the row's running max and sum, overwrites them with
    /// <c>2^(s − max) · probabilityScale</c> (<see cref="KeyValueFormat.ScaledLoadFactor"/>, undoing what the value
    /// loads leave out; the sum counts them without it), and returns the factor the row's accumulator must be rescaled
    /// by (0 for the first block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float UpdateRow<TOps, TVector>(ref float scores, int count, ref float runningMax, ref float runningSum,
        float probabilityScale)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int vectorEnd = count - count % TOps.Width;
        TVector blockMaxVector = TOps.Broadcast(float.NegativeInfinity);
        for (int j = 0; j < vectorEnd; j += TOps.Width)
            blockMaxVector = TOps.Max(blockMaxVector, TOps.Load(ref scores, j));
        float blockMax = TOps.MaxAcross(blockMaxVector);
        for (int j = vectorEnd; j < count; j++)
            blockMax = ScalarOps.Max(blockMax, Unsafe.Add(ref scores, j));

        // Every key of the block is allowed: if all their scores are −∞ the row is 0/0, NaN, as in the reference.
        float oldMax = runningMax;
        float newMax = ScalarOps.Max(oldMax, blockMax);
        float subtrahend = newMax;
        TVector sub = TOps.Broadcast(subtrahend), probabilityScaleVector = TOps.Broadcast(probabilityScale);
        TVector sumVector = default;
        for (int j = 0; j < vectorEnd; j += TOps.Width)
        {
            TVector p = TOps.Exp2(TOps.Subtract(TOps.Load(ref scores, j), sub));
            TOps.Store(TOps.Multiply(p, probabilityScaleVector), ref scores, j);
            sumVector = TOps.Add(sumVector, p);
        }

        float blockSum = TOps.Sum(sumVector);
        for (int j = vectorEnd; j < count; j++)
        {
            float p = ScalarOps.Exp2(Unsafe.Add(ref scores, j) - subtrahend);
            Unsafe.Add(ref scores, j) = p * probabilityScale;
            blockSum += p;
        }

        float alpha = ScalarOps.Exp2(oldMax - subtrahend);
        runningSum = runningSum * alpha + blockSum;
        runningMax = newMax;
        return alpha;
    }

    /// <summary><c>acc = acc · alpha + Σⱼ p[j] · v[j]</c>, eight vectors of the head dimension at a time, then four,
    /// then one: each pass streams the value rows once, so a row of up to eight vectors (D = 128 on AVX-512) is read
    /// whole and in order instead of in parts several passes apart. The first pass prefetches whole rows for the
    /// others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TOps, TVector, TShape>(ref byte values, int valueStride, ref float probabilities, int count,
        int headDim, float alpha, ref float accumulator)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int w = TOps.Width;
        int vectorEnd = headDim - headDim % w;
        TVector scale = TOps.Broadcast(alpha);
        int d = 0;
        for (; d + 8 * w <= vectorEnd; d += 8 * w)
            AccumulatePass<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref values, d), valueStride, ref probabilities, count, scale,
                ref Unsafe.Add(ref accumulator, d), eightVectors: true, prefetch: d == 0 ? headDim : 0);
        for (; d + 4 * w <= vectorEnd; d += 4 * w)
            AccumulatePass<TOps, TVector, TShape>(ref KeyValueFormat.At<TShape>(ref values, d), valueStride, ref probabilities, count, scale,
                ref Unsafe.Add(ref accumulator, d), eightVectors: false, prefetch: d == 0 ? headDim : 0);

        for (; d < vectorEnd; d += w)
        {
            TVector a = TOps.Multiply(TOps.Load(ref accumulator, d), scale);
            ref byte v = ref KeyValueFormat.At<TShape>(ref values, d);
            for (int j = 0; j < count; j++)
            {
                a = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref probabilities, j)), KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 0), a);
                v = ref KeyValueFormat.At<TShape>(ref v, valueStride);
            }

            TOps.Store(a, ref accumulator, d);
        }

        for (; d < headDim; d++)
        {
            float a = Unsafe.Add(ref accumulator, d) * alpha;
            for (int j = 0; j < count; j++)
                a += Unsafe.Add(ref probabilities, j) * KeyValueFormat.LoadScalarScaled<TShape>(ref values, j * valueStride + d);
            Unsafe.Add(ref accumulator, d) = a;
        }
    }

    /// <summary>One pass of <see cref="Accumulate"/> over four or eight vectors of the head dimension, the
    /// accumulators in registers. <paramref name="eightVectors"/> is a constant at both call sites, so each inlined copy
    /// keeps one shape (timed as fast as two hand-written loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulatePass<TOps, TVector, TShape>(ref byte values, int valueStride, ref float probabilities, int count,
        TVector scale, ref float accumulator, bool eightVectors, int prefetch)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        int w = TOps.Width;
        TVector a0 = TOps.Multiply(TOps.Load(ref accumulator, 0), scale);
        TVector a1 = TOps.Multiply(TOps.Load(ref accumulator, w), scale);
        TVector a2 = TOps.Multiply(TOps.Load(ref accumulator, 2 * w), scale);
        TVector a3 = TOps.Multiply(TOps.Load(ref accumulator, 3 * w), scale);
        TVector a4 = default, a5 = default, a6 = default, a7 = default;
        if (eightVectors)
        {
            a4 = TOps.Multiply(TOps.Load(ref accumulator, 4 * w), scale);
            a5 = TOps.Multiply(TOps.Load(ref accumulator, 5 * w), scale);
            a6 = TOps.Multiply(TOps.Load(ref accumulator, 6 * w), scale);
            a7 = TOps.Multiply(TOps.Load(ref accumulator, 7 * w), scale);
        }

        ref byte v = ref values;
        for (int j = 0; j < count; j++)
        {
            if (prefetch > 0)
                CachePrefetch.Rows<TShape>(ref KeyValueFormat.At<TShape>(ref v, CachePrefetch.RowsAhead<TShape>() * valueStride), valueStride, 1, prefetch);
            TVector p = TOps.Broadcast(Unsafe.Add(ref probabilities, j));
            a0 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 0), a0);
            a1 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, w), a1);
            a2 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 2 * w), a2);
            a3 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 3 * w), a3);
            if (eightVectors)
            {
                a4 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 4 * w), a4);
                a5 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 5 * w), a5);
                a6 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 6 * w), a6);
                a7 = TOps.MultiplyAdd(p, KeyValueFormat.LoadScaled<TOps, TVector, TShape>(ref v, 7 * w), a7);
            }

            v = ref KeyValueFormat.At<TShape>(ref v, valueStride);
        }

        TOps.Store(a0, ref accumulator, 0);
        TOps.Store(a1, ref accumulator, w);
        TOps.Store(a2, ref accumulator, 2 * w);
        TOps.Store(a3, ref accumulator, 3 * w);
        if (eightVectors)
        {
            TOps.Store(a4, ref accumulator, 4 * w);
            TOps.Store(a5, ref accumulator, 5 * w);
            TOps.Store(a6, ref accumulator, 6 * w);
            TOps.Store(a7, ref accumulator, 7 * w);
        }
    }

    /// <summary>
    /// Finishes a row whose keys were split into ranges: merges the ranges' softmax states (running max, running
    /// sum, accumulator; each range's <paramref name="splitStride"/> floats after the previous one's) into
    /// <c>Σ 2^(maxₛ−M)·accₛ / Σ 2^(maxₛ−M)·sumₛ</c>, M the largest max, and writes it to <paramref name="output"/>.
    /// </summary>
    /// <param name="max">The first range's running max.</param>
    /// <param name="sum">The first range's running sum.</param>
    /// <param name="accumulator">The first range's accumulator, element 0 of the row.</param>
    /// <param name="splits">Ranges.</param>
    /// <param name="splitStride">Floats from one range's state to the next's.</param>
    /// <param name="headDim">Elements of the row.</param>
    /// <param name="dimStride">Floats between consecutive elements of an accumulator row (1 for a row-major
    /// accumulator, the panel width for a transposed one).</param>
    /// <param name="output">The row's first output element.</param>
    /// <remarks>A range whose max is −∞ (no keys, or only −∞ scores) is left out while another range has a finite
    /// max, as its keys would have weighed 2^−∞ = 0 in one pass; if every range's max is −∞ the row is NaN
    /// (0/0) or, when it attended no key at all, zeros, as in the float64 reference.</remarks>
    public static void MergeSplits(ref float max, ref float sum, ref float accumulator, int splits, int splitStride,
        int headDim, int dimStride, ref float output)
    {
        float largest = float.NegativeInfinity;
        for (int s = 0; s < splits; s++)
            largest = ScalarOps.Max(largest, Unsafe.Add(ref max, s * splitStride));

        float total = 0;
        for (int d = 0; d < headDim; d++)
            Unsafe.Add(ref output, d) = 0;
        for (int s = 0; s < splits; s++)
        {
            float rangeMax = Unsafe.Add(ref max, s * splitStride), rangeSum = Unsafe.Add(ref sum, s * splitStride);
            if (rangeMax == float.NegativeInfinity && (largest != float.NegativeInfinity || rangeSum == 0))
                continue; // a range that weighs nothing, or has no keys
            float weight = ScalarOps.Exp2(rangeMax - largest);
            total += weight * rangeSum;
            ref float rangeAccumulator = ref Unsafe.Add(ref accumulator, s * splitStride);
            for (int d = 0; d < headDim; d++)
                Unsafe.Add(ref output, d) += weight * Unsafe.Add(ref rangeAccumulator, d * dimStride);
        }

        float factor = ScalarOps.ReciprocalOrZero(total);
        for (int d = 0; d < headDim; d++)
            Unsafe.Add(ref output, d) *= factor;
    }

    /// <summary>Writes a finished row, <c>output[d] = acc[d] / sum</c>, or zeros for a row that attended no key.</summary>
    public static void WriteRow(ref float accumulator, float sum, int headDim, ref float output)
    {
        float factor = ScalarOps.ReciprocalOrZero(sum);
        for (int d = 0; d < headDim; d++)
            Unsafe.Add(ref output, d) = Unsafe.Add(ref accumulator, d) * factor;
    }
}
