using System.Linq;
using System;
using AttentionGen.Tests.Hardening;

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
            if (double.IsNaN(expected[i]) && float.IsNaN(actual[i]))
                continue; // a row neither computes (past a call's queryLength)
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
    /// <remarks>Rows at or past <paramref name="queryLength"/> hold NaN, as the float64 reference leaves them.</remarks>
    public static float[] PlainFloat32(AttentionShape shape, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, ReadOnlySpan<float> sinks = default, int? queryLength = null)
    {
        float[] output = Enumerable.Repeat(float.NaN, shape.OutputLength).ToArray();
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < (queryLength ?? shape.SeqLen); i++)
            {
                RowReference.Plain(shape, query, key, value, kvLength, h, i, sinks, queryLength)
                    .CopyTo(output, RowReference.RowOffset(shape, h, i));
            }
        }

        return output;
    }
}
