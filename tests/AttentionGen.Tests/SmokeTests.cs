using System;
using AttentionGen.Reference;
using Xunit;

namespace AttentionGen.Tests;

public class SmokeTests
{
    [Fact]
    public void MiniLmMatchesReference()
    {
        var rng = new Random(1);
        float[] q = new float[MiniLmKernel.QueryLength], k = new float[MiniLmKernel.KeyLength], v = new float[MiniLmKernel.ValueLength];
        foreach (var a in new[] { q, k, v }) for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        float[] o = new float[MiniLmKernel.OutputLength];
        MiniLmKernel.Forward(q, k, v, o);
        double[] r = AttentionReference.ForwardExact(new AttentionShape(128, 12, 64), q, k, v);
        double err = 0; for (int i = 0; i < o.Length; i++) err = Math.Max(err, Math.Abs(o[i] - r[i]));
        Assert.True(err < 4e-6, $"err {err} path {MiniLmKernel.ActivePath}");
    }
}
