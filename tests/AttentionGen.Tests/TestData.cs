using System;

namespace AttentionGen.Tests;

/// <summary>Seeded random inputs.</summary>
public static class TestData
{
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        float[] data = new float[length];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return data;
    }

    /// <summary>The code path this test process is meant to exercise (set by .ci/run), or null.</summary>
    public static string? ExpectedPath => Environment.GetEnvironmentVariable("ATTENTIONGEN_EXPECTED_PATH");
}
