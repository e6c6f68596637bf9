using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// Layout helpers shared by the peers. The generated kernels read HeadMajor ([H,S,D]) or TokenMajor ([S,H,D])
/// tensors; each peer converts once, outside the timed region, to whatever layout its library wants.
/// </summary>
public static class Layouts
{
    /// <summary>Offset of row <paramref name="position"/> of head <paramref name="head"/> in a tensor of
    /// <paramref name="heads"/> heads × <paramref name="length"/> positions × D, in <paramref name="shape"/>'s layout.</summary>
    public static int RowOffset(AttentionShape shape, int head, int heads, int length, int position) =>
        (shape.Layout == AttentionLayout.HeadMajor ? head * length + position : position * heads + head) * shape.HeadDim;

    /// <summary>Swaps the two outer axes of a dense [a, b, d] tensor: returns [b, a, d].</summary>
    public static float[] SwapOuterAxes(ReadOnlySpan<float> source, int a, int b, int d)
    {
        float[] result = new float[source.Length];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                source.Slice((i * b + j) * d, d).CopyTo(result.AsSpan((j * a + i) * d, d));
        return result;
    }

    /// <summary>A copy of a tensor of <paramref name="heads"/> heads × <paramref name="length"/> positions in
    /// <paramref name="shape"/>'s layout, as HeadMajor [heads, length, D].</summary>
    public static float[] ToHeadMajor(AttentionShape shape, ReadOnlySpan<float> source, int heads, int length) =>
        shape.Layout == AttentionLayout.HeadMajor
            ? source[..(heads * length * shape.HeadDim)].ToArray()
            : SwapOuterAxes(source, length, heads, shape.HeadDim);

    /// <summary>A copy as TokenMajor [length, heads, D] (what a projection produces: [length, heads·D]).</summary>
    public static float[] ToTokenMajor(AttentionShape shape, ReadOnlySpan<float> source, int heads, int length) =>
        shape.Layout == AttentionLayout.TokenMajor
            ? source[..(heads * length * shape.HeadDim)].ToArray()
            : SwapOuterAxes(source, heads, length, shape.HeadDim);

    /// <summary>Writes a HeadMajor [heads, length, D] tensor into <paramref name="target"/> in <paramref name="shape"/>'s layout.</summary>
    public static void FromHeadMajor(AttentionShape shape, ReadOnlySpan<float> source, int heads, int length, Span<float> target)
    {
        float[] converted = shape.Layout == AttentionLayout.HeadMajor
            ? source.ToArray()
            : SwapOuterAxes(source, heads, length, shape.HeadDim);
        converted.CopyTo(target);
    }

    /// <summary>Writes a TokenMajor [length, heads, D] tensor into <paramref name="target"/> in <paramref name="shape"/>'s layout.</summary>
    public static void FromTokenMajor(AttentionShape shape, ReadOnlySpan<float> source, int heads, int length, Span<float> target)
    {
        float[] converted = shape.Layout == AttentionLayout.TokenMajor
            ? source.ToArray()
            : SwapOuterAxes(source, length, heads, shape.HeadDim);
        converted.CopyTo(target);
    }

    /// <summary>Repeats each of the KvHeads heads of a HeadMajor [KvHeads, T, D] tensor Heads/KvHeads times, giving
    /// [Heads, T, D]: how a library without grouped-query support is fed a GQA model.</summary>
    public static float[] ExpandKvHeads(AttentionShape shape, float[] headMajor)
    {
        if (shape.KvHeads == shape.Heads)
            return headMajor;
        int group = shape.Heads / shape.KvHeads, block = shape.KvLen * shape.HeadDim;
        float[] result = new float[shape.Heads * block];
        for (int h = 0; h < shape.Heads; h++)
            headMajor.AsSpan(h / group * block, block).CopyTo(result.AsSpan(h * block, block));
        return result;
    }
}
