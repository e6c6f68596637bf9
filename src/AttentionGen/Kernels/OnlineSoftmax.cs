using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// The softmax steps of a generated kernel, FlashAttention-2 style, for one panel of query rows held in
/// vector lanes. Scores and the output accumulator are stored transposed (<c>[key][lane]</c>,
/// <c>[dim][lane]</c>), so every statistic is lane-wise: no horizontal reductions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnlineSoftmax
{
    /// <summary>
    /// Folds one block of scores (in log2 units) into the running maximum and sum of each lane, overwrites the
    /// scores with <c>2^(s − max)</c>, and (after the first block) writes the factor <c>2^(oldMax − newMax)</c> that
    /// the accumulator must be rescaled by (<see cref="RescaleColumns"/>; a generated row-major value tile multiplies
    /// each row by it as it loads the row).
    /// </summary>
    /// <param name="scores">Scores <c>[keys][panelWidth]</c>; overwritten with unnormalized probabilities.</param>
    /// <param name="runningMax">Per-lane maximum so far (−∞ before the first block, or a sink's logit).</param>
    /// <param name="runningSum">Per-lane sum of probabilities so far (0 before the first block, or a sink's 1).</param>
    /// <param name="limits">Per-lane last allowed key position; read for keys outside the full range only.</param>
    /// <param name="negatedFirstKeys">Per-lane first allowed key position, negated (sliding window only).</param>
    /// <param name="rescale">Receives each lane's rescale factor unless <paramref name="firstBlock"/>.</param>
    /// <param name="scoreMax">Per-lane maximum of the block's scores, folded as they were stored. It is the block's
    /// maximum when no key of the block is masked, and saves a pass over the scores; a block with masked keys takes its
    /// maximum here, over the allowed scores only.</param>
    /// <param name="panelWidth">Lanes in the panel (the row stride of the scores), a multiple of the vector width.</param>
    /// <param name="lanes">Lanes to update, from the first: <paramref name="panelWidth"/>, or fewer for a narrow last panel.</param>
    /// <param name="mask">Which keys of the block every lane attends; the others are masked per lane.</param>
    /// <param name="firstKey">Position of the block's first key.</param>
    /// <param name="firstBlock">Whether the state is still empty (its accumulator is zero, nothing to rescale).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UpdateBlock<TOps, TVector, TShape>(ref float scores, ref float runningMax, ref float runningSum,
        ref float limits, ref float negatedFirstKeys, ref float rescale, ref float scoreMax, int panelWidth, int lanes,
        BlockMask mask, int firstKey, bool firstBlock)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        TVector zero = TOps.Broadcast(0f), one = TOps.Broadcast(1f);
        int keys = mask.Keys;
        for (int lane = 0; lane < lanes; lane += TOps.Width)
        {
            // Masked scores take no part in the max and get probability 0 by selection, never by arithmetic:
            // so a lane whose allowed scores are all −∞ still gets NaN (0/0), as the float64 reference does,
            // while a lane with no allowed key keeps max −∞ and sum 0 and ends as zeros.
            TVector limit = TOps.Load(ref limits, lane);
            TVector negatedFirst = TShape.Windowed ? TOps.Load(ref negatedFirstKeys, lane) : zero;
            TVector blockMax = mask.IsFull
                ? TOps.Load(ref scoreMax, lane)
                : AllowedMax<TOps, TVector, TShape>(ref Unsafe.Add(ref scores, lane), limit, negatedFirst, panelWidth, mask, firstKey);

            TVector oldMax = TOps.Load(ref runningMax, lane);
            TVector newMax = TOps.Max(oldMax, blockMax);
            TVector blockSum = zero;
            for (int j = 0; j < keys; j++)
            {
                TVector p = TOps.Exp2(TOps.Subtract(TOps.Load(ref scores, j * panelWidth + lane), newMax));
                if (j < mask.FullFrom || j >= mask.FullTo)
                    p = Allowed<TOps, TVector, TShape>(firstKey + j, limit, negatedFirst, p, zero);
                TOps.Store(p, ref scores, j * panelWidth + lane);
                blockSum = TOps.Add(blockSum, p);
            }

            TOps.Store(newMax, ref runningMax, lane);
            if (firstBlock)
            {
                TOps.Store(blockSum, ref runningSum, lane);
                continue;
            }

            // A lane with no allowed key yet keeps max −∞, and 2^(−∞ − −∞) is NaN: it has nothing to rescale (1).
            TVector alpha = TOps.SelectWhereAtMost(-float.MaxValue, newMax, TOps.Exp2(TOps.Subtract(oldMax, newMax)), one);
            TOps.Store(TOps.MultiplyAdd(TOps.Load(ref runningSum, lane), alpha, blockSum), ref runningSum, lane);
            TOps.Store(alpha, ref rescale, lane);
        }
    }

    /// <summary><paramref name="value"/> in the lanes that may attend key <paramref name="key"/> (at most their limit
    /// and, with a window, at least their first key), <paramref name="otherwise"/> in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Allowed<TOps, TVector, TShape>(int key, TVector limit, TVector negatedFirst, TVector value, TVector otherwise)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        value = TOps.SelectWhereAtMost(key, limit, value, otherwise);
        return TShape.Windowed ? TOps.SelectWhereAtMost(-key, negatedFirst, value, otherwise) : value;
    }

    /// <summary>The maximum of one vector of lanes over a block's allowed scores: the full range's keys as they are,
    /// the others only where a lane may attend them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector AllowedMax<TOps, TVector, TShape>(ref float scores, TVector limit, TVector negatedFirst, int panelWidth,
        BlockMask mask, int firstKey)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        // Four running maxima: one would chain every key on the latency of the previous max.
        TVector negativeInfinity = TOps.Broadcast(float.NegativeInfinity);
        TVector max0 = negativeInfinity, max1 = negativeInfinity, max2 = negativeInfinity, max3 = negativeInfinity;
        int j = mask.FullFrom;
        for (; j + 4 <= mask.FullTo; j += 4)
        {
            max0 = TOps.Max(max0, TOps.Load(ref scores, j * panelWidth));
            max1 = TOps.Max(max1, TOps.Load(ref scores, (j + 1) * panelWidth));
            max2 = TOps.Max(max2, TOps.Load(ref scores, (j + 2) * panelWidth));
            max3 = TOps.Max(max3, TOps.Load(ref scores, (j + 3) * panelWidth));
        }

        TVector max = TOps.Max(TOps.Max(max0, max1), TOps.Max(max2, max3));
        for (; j < mask.FullTo; j++)
            max = TOps.Max(max, TOps.Load(ref scores, j * panelWidth));
        for (j = 0; j < mask.FullFrom; j++)
            max = TOps.Max(max, Allowed<TOps, TVector, TShape>(firstKey + j, limit, negatedFirst, TOps.Load(ref scores, j * panelWidth), negativeInfinity));
        for (j = mask.FullTo; j < mask.Keys; j++)
            max = TOps.Max(max, Allowed<TOps, TVector, TShape>(firstKey + j, limit, negatedFirst, TOps.Load(ref scores, j * panelWidth), negativeInfinity));
        return max;
    }

    /// <summary>Rescales a transposed accumulator <c>[headDim][panelWidth]</c> lane-wise: column l times
    /// <c>factors[l]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RescaleColumns<TOps, TVector>(ref float accumulator, ref float factors, int panelWidth, int headDim)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        for (int lane = 0; lane < panelWidth; lane += TOps.Width)
        {
            TVector factor = TOps.Load(ref factors, lane);
            for (int d = 0; d < headDim; d++)
                TOps.Store(TOps.Multiply(TOps.Load(ref accumulator, d * panelWidth + lane), factor),
                    ref accumulator, d * panelWidth + lane);
        }
    }

    /// <summary>
    /// Adds <c>p[j] · v[j]</c> to the accumulator for keys that only some lanes may attend, leaving the other
    /// lanes bitwise untouched (so a NaN in a masked value row cannot reach them).
    /// </summary>
    /// <param name="values">Value row of the first key, column 0.</param>
    /// <param name="valueRowStride">Elements between consecutive value rows.</param>
    /// <param name="probabilities">Probabilities <c>[keys][panelWidth]</c> of the first key.</param>
    /// <param name="accumulator">Output accumulator <c>[headDim][panelWidth]</c>.</param>
    /// <param name="limits">Per-lane last allowed key position.</param>
    /// <param name="negatedFirstKeys">Per-lane first allowed key position, negated (sliding window only).</param>
    /// <param name="panelWidth">Lanes in the panel.</param>
    /// <param name="headDim">Rows of the accumulator.</param>
    /// <param name="keys">Keys to add.</param>
    /// <param name="firstKey">Position of the first key.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateMaskedKeys<TOps, TVector, TShape>(ref float values, int valueRowStride,
        ref float probabilities, ref float accumulator, ref float limits, ref float negatedFirstKeys, int panelWidth, int headDim,
        int keys, int firstKey)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        for (int j = 0; j < keys; j++)
        {
            ref float valueRow = ref Unsafe.Add(ref values, j * valueRowStride);
            for (int lane = 0; lane < panelWidth; lane += TOps.Width)
            {
                TVector limit = TOps.Load(ref limits, lane);
                TVector negatedFirst = TShape.Windowed ? TOps.Load(ref negatedFirstKeys, lane) : default;
                TVector p = TOps.Load(ref probabilities, j * panelWidth + lane);
                for (int d = 0; d < headDim; d++)
                {
                    TVector sum = TOps.Load(ref accumulator, d * panelWidth + lane);
                    TVector updated = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref valueRow, d)), p, sum);
                    TOps.Store(Allowed<TOps, TVector, TShape>(firstKey + j, limit, negatedFirst, updated, sum),
                        ref accumulator, d * panelWidth + lane);
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="count"/> rows of <paramref name="length"/> floats, <paramref name="rowStride"/> apart,
    /// hold only finite numbers. Then a masked key's value row may go through the value tiles with the key's exact-zero
    /// probability: <c>0 · v</c> adds a zero. An infinity or NaN would add NaN, so such rows take
    /// <see cref="AccumulateMaskedKeysByRow"/> instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AreFinite<TOps, TVector>(ref float rows, int rowStride, int count, int length)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        // x − x is 0 for a finite x and NaN for ±∞ or NaN; a sum of them stays NaN once one is.
        TVector sum = TOps.Broadcast(0f);
        float tail = 0;
        int vectorEnd = length - length % TOps.Width;
        for (int row = 0; row < count; row++)
        {
            ref float first = ref Unsafe.Add(ref rows, row * rowStride);
            for (int d = 0; d < vectorEnd; d += TOps.Width)
            {
                TVector x = TOps.Load(ref first, d);
                sum = TOps.Add(sum, TOps.Subtract(x, x));
            }

            for (int d = vectorEnd; d < length; d++)
                tail += Unsafe.Add(ref first, d) - Unsafe.Add(ref first, d);
        }

        return TOps.Sum(sum) + tail == 0;
    }

    /// <summary>
    /// <see cref="AccumulateMaskedKeys"/> for a row-major accumulator <c>[rows][headDim]</c>: row l adds
    /// <c>p[j][l] · v[j]</c> for the keys it may attend and skips the others (so a NaN in a masked value row cannot
    /// reach it). <paramref name="headDim"/> is a multiple of the vector width.
    /// </summary>
    /// <param name="values">Value row of the first key, column 0.</param>
    /// <param name="valueRowStride">Elements between consecutive value rows.</param>
    /// <param name="probabilities">Probabilities <c>[keys][panelWidth]</c> of the first key.</param>
    /// <param name="accumulator">Output accumulator <c>[rows][headDim]</c>.</param>
    /// <param name="limits">Per-lane last allowed key position.</param>
    /// <param name="negatedFirstKeys">Per-lane first allowed key position, negated (sliding window only).</param>
    /// <param name="panelWidth">Lanes in the panel (the row stride of the probabilities).</param>
    /// <param name="rows">Rows to update.</param>
    /// <param name="headDim">Columns of the accumulator.</param>
    /// <param name="keys">Keys to add.</param>
    /// <param name="firstKey">Position of the first key.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateMaskedKeysByRow<TOps, TVector, TShape>(ref float values, int valueRowStride,
        ref float probabilities, ref float accumulator, ref float limits, ref float negatedFirstKeys, int panelWidth, int rows,
        int headDim, int keys, int firstKey)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
        where TShape : struct, IKernelShape
    {
        for (int row = 0; row < rows; row++)
        {
            ref float accumulatorRow = ref Unsafe.Add(ref accumulator, row * headDim);
            int from = TShape.Windowed ? Math.Max(0, -(int)Unsafe.Add(ref negatedFirstKeys, row) - firstKey) : 0;
            int to = Math.Min(keys, (int)Unsafe.Add(ref limits, row) - firstKey + 1);
            for (int j = from; j < to; j++)
            {
                TVector p = TOps.Broadcast(Unsafe.Add(ref probabilities, j * panelWidth + row));
                ref float valueRow = ref Unsafe.Add(ref values, j * valueRowStride);
                for (int d = 0; d < headDim; d += TOps.Width)
                    TOps.Store(TOps.MultiplyAdd(p, TOps.Load(ref valueRow, d), TOps.Load(ref accumulatorRow, d)),
                        ref accumulatorRow, d);
            }
        }
    }

    /// <summary>Turns each lane's running sum into the factor its output row is multiplied by:
    /// <c>1/sum</c>, or 0 for a row that attended no key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FinishRows<TOps, TVector>(ref float runningSum, int panelWidth)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        for (int lane = 0; lane < panelWidth; lane += TOps.Width)
            TOps.Store(TOps.ReciprocalOrZero(TOps.Load(ref runningSum, lane)), ref runningSum, lane);
    }
}
