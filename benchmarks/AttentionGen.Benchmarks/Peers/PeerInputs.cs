using System;
using AttentionGen.Reference;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// The inputs of one shape (seeded uniform [-1, 1), in the generated kernel's layout) with their float64 reference
/// result, and the correctness check every implementation passes once before it is timed: a fast wrong answer
/// must never reach a table.
/// </summary>
public sealed class PeerInputs
{
    /// <summary>The bar: max abs error against float64. Loose enough for float32 softmax sums, tight enough to catch
    /// a wrong mask, layout or scale (those err by 1e-2 or more).</summary>
    public const double Tolerance = 1e-4;

    public PeerInputs(AttentionShape shape, int seed = 1)
    {
        Shape = shape;
        var random = new Random(seed);
        Query = RandomArray(random, shape.QueryLength);
        Key = RandomArray(random, shape.KeyLength);
        Value = RandomArray(random, shape.ValueLength);
        Exact = AttentionReference.ForwardExact(shape, Query, Key, Value, shape.KvLen);
    }

    public AttentionShape Shape { get; }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Value { get; }

    /// <summary>The float64 reference output in the shape's layout.</summary>
    public double[] Exact { get; }

    /// <summary>Runs <paramref name="peer"/> once and throws if any output is further than <see cref="Tolerance"/>
    /// from the reference; returns the peer for chaining.</summary>
    public T Verify<T>(T peer) where T : IAttentionPeer
    {
        peer.Run();
        float[] output = new float[Shape.OutputLength];
        peer.CopyOutput(output);
        double worst = 0;
        int at = 0;
        for (int n = 0; n < output.Length; n++)
        {
            double error = Math.Abs(output[n] - Exact[n]);
            if (!(error <= worst)) // NaN counts as worst
                (worst, at) = (double.IsNaN(error) ? double.PositiveInfinity : error, n);
        }

        if (worst >= Tolerance)
            throw new InvalidOperationException(
                $"{peer.Name} is wrong for {Shape}: max abs error {worst:E2} at element {at} (got {output[at]}, expected {Exact[at]}).");
        return peer;
    }

    private static float[] RandomArray(Random random, int length)
    {
        float[] data = new float[length];
        for (int i = 0; i < length; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
