using System;
using AttentionGen.Reference;

namespace AttentionGen.Tests;

/// <summary>The contract's accuracy bar: max |error| ≤ max(8 · e32, 4e-6 · max(1, max|output|)), where e32 is the
/// error of the same math done plainly in float32.</summary>
public static class Accuracy
{
    public static double Bar(double float32Error, double maxAbsOutput) =>
        Math.Max(8 * float32Error, 4e-6 * Math.Max(1, maxAbsOutput));

    public static double MaxAbsError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        double error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(e))
                return double.PositiveInfinity;
            error = Math.Max(error, e);
        }

        return error;
    }

    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values)
            max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>The textbook algorithm in float32 (max-subtracted softmax, MathF.Exp): what e32 measures.</summary>
    public static float[] PlainFloat32(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength)
    {
        int d = shape.HeadDim, group = shape.Heads / shape.KvHeads, offset = kvLength - shape.SeqLen;
        float[] output = new float[shape.OutputLength];
        float[] scores = new float[kvLength];
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < shape.SeqLen; i++)
            {
                int q = AttentionReference.Offset(shape, h, shape.Heads, shape.SeqLen, i);
                int allowed = shape.Causal ? Math.Clamp(i + offset + 1, 0, kvLength) : kvLength;
                float max = float.NegativeInfinity;
                for (int j = 0; j < allowed; j++)
                {
                    int k = AttentionReference.Offset(shape, h / group, shape.KvHeads, shape.KvLen, j);
                    float dot = 0;
                    for (int c = 0; c < d; c++)
                        dot += query[q + c] * key[k + c];
                    scores[j] = dot * shape.Scale;
                    max = MathF.Max(max, scores[j]);
                }

                float sum = 0;
                for (int j = 0; j < allowed; j++)
                {
                    float p = MathF.Exp(scores[j] - max);
                    sum += p;
                    int v = AttentionReference.Offset(shape, h / group, shape.KvHeads, shape.KvLen, j);
                    for (int c = 0; c < d; c++)
                        output[q + c] += p * value[v + c];
                }

                for (int c = 0; c < d; c++)
                    output[q + c] = allowed == 0 ? 0 : output[q + c] / sum;
            }
        }

        return output;
    }
}
