using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace AttentionGen.Kernels;

/// <summary>
/// Moves a panel's rows in and out of the scratch of the panel strategy: queries into the transposed layout
/// (<c>[dim][lane]</c>) and outputs out of it, a vector-width square block at a time (leftover lanes and dims one
/// by one), or outputs out of a row-major accumulator.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PanelTranspose
{
    /// <summary><c>panel[d][lane] = scale · source[rowOffsets[lane] + d]</c> for the panel's rows; lanes past the
    /// rows are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRows<TOps, TVector>(ref float source, ReadOnlySpan<int> rowOffsets, int headDim, float scale,
        ref float panel, int panelLanes)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width, rows = rowOffsets.Length;
        int fullLanes = rows - rows % w, fullDims = headDim - headDim % w;
        Span<int> panelRows = PanelRowOffsets(stackalloc int[w], panelLanes);
        TVector scaleVector = TOps.Broadcast(scale);
        for (int lane = 0; lane < fullLanes; lane += w)
        {
            for (int d = 0; d < fullDims; d += w)
                TOps.TransposeSquare(ref Unsafe.Add(ref source, d), ref Unsafe.AsRef(in rowOffsets[lane]), scaleVector,
                    ref Unsafe.Add(ref panel, d * panelLanes + lane), ref panelRows[0]);
            for (int k = 0; k < w && fullDims < headDim; k++)
                PackScalar(ref source, rowOffsets[lane + k], fullDims, headDim, scale, ref panel, panelLanes, lane + k);
        }

        // The lanes after the whole vectors of rows: zeroed a vector at a time (a float at a time, the zeros of a
        // narrow last panel cost more than its packing), then the leftover rows written over them.
        TVector zero = TOps.Broadcast(0f);
        for (int d = 0; d < headDim && fullLanes < panelLanes; d++)
        {
            for (int lane = fullLanes; lane < panelLanes; lane += w)
                TOps.Store(zero, ref panel, d * panelLanes + lane);
        }

        for (int lane = fullLanes; lane < rows; lane++)
            PackScalar(ref source, rowOffsets[lane], 0, headDim, scale, ref panel, panelLanes, lane);
    }

    /// <summary><c>rows[r][d] = scale · source[rowOffsets[r] + d]</c>: a few query rows kept row-major, for scores
    /// computed as dot products with the head dimension in lanes; <paramref name="headDim"/> is a multiple of the
    /// vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackScaledRows<TOps, TVector>(ref float source, ReadOnlySpan<int> rowOffsets, int headDim,
        float scale, ref float rows)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        TVector factor = TOps.Broadcast(scale);
        for (int row = 0; row < rowOffsets.Length; row++)
            ScaleRow<TOps, TVector>(ref Unsafe.Add(ref source, rowOffsets[row]), factor, headDim, ref Unsafe.Add(ref rows, row * headDim));
    }

    /// <summary><c>destination[rowOffsets[lane] + d] = panel[d][lane] · factors[lane]</c> for the panel's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteRows<TOps, TVector>(ref float panel, int panelLanes, ref float factors, int headDim,
        ref float destination, ReadOnlySpan<int> rowOffsets)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        int w = TOps.Width, rows = rowOffsets.Length;
        int fullLanes = rows - rows % w, fullDims = headDim - headDim % w;
        Span<int> panelRows = PanelRowOffsets(stackalloc int[w], panelLanes);
        for (int lane = 0; lane < fullLanes; lane += w)
        {
            TVector laneFactors = TOps.Load(ref factors, lane);
            for (int d = 0; d < fullDims; d += w)
                TOps.TransposeSquare(ref Unsafe.Add(ref panel, d * panelLanes + lane), ref panelRows[0], laneFactors,
                    ref Unsafe.Add(ref destination, d), ref Unsafe.AsRef(in rowOffsets[lane]));
            for (int k = 0; k < w && fullDims < headDim; k++)
                WriteScalar(ref panel, panelLanes, ref factors, fullDims, headDim, ref destination, rowOffsets[lane + k], lane + k);
        }

        for (int lane = fullLanes; lane < rows; lane++)
            WriteScalar(ref panel, panelLanes, ref factors, 0, headDim, ref destination, rowOffsets[lane], lane);
    }

    /// <summary><c>destination[rowOffsets[row] + d] = accumulator[row][d] · factors[row]</c> from a row-major
    /// accumulator <c>[rows][headDim]</c>; <paramref name="headDim"/> is a multiple of the vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteScaledRows<TOps, TVector>(ref float accumulator, ref float factors, int headDim,
        ref float destination, ReadOnlySpan<int> rowOffsets)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        for (int row = 0; row < rowOffsets.Length; row++)
            ScaleRow<TOps, TVector>(ref Unsafe.Add(ref accumulator, row * headDim), TOps.Broadcast(Unsafe.Add(ref factors, row)),
                headDim, ref Unsafe.Add(ref destination, rowOffsets[row]));
    }

    /// <summary><c>target[d] = source[d] · factor</c> for one row; <paramref name="headDim"/> is a multiple of the vector
    /// width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleRow<TOps, TVector>(ref float source, TVector factor, int headDim, ref float target)
        where TOps : struct, IVectorOps<TVector>
        where TVector : struct
    {
        for (int d = 0; d < headDim; d += TOps.Width)
            TOps.Store(TOps.Multiply(TOps.Load(ref source, d), factor), ref target, d);
    }

    /// <summary>Offsets of a block's rows in the transposed panel: row k starts k · panelLanes floats in.</summary>
    private static Span<int> PanelRowOffsets(Span<int> offsets, int panelLanes)
    {
        for (int k = 0; k < offsets.Length; k++)
            offsets[k] = k * panelLanes;
        return offsets;
    }

    private static void PackScalar(ref float source, int rowOffset, int firstDim, int headDim, float scale,
        ref float panel, int panelLanes, int lane)
    {
        for (int d = firstDim; d < headDim; d++)
            Unsafe.Add(ref panel, d * panelLanes + lane) = Unsafe.Add(ref source, rowOffset + d) * scale;
    }

    private static void WriteScalar(ref float panel, int panelLanes, ref float factors, int firstDim, int headDim,
        ref float destination, int rowOffset, int lane)
    {
        float factor = Unsafe.Add(ref factors, lane);
        for (int d = firstDim; d < headDim; d++)
            Unsafe.Add(ref destination, rowOffset + d) = Unsafe.Add(ref panel, d * panelLanes + lane) * factor;
    }
}
