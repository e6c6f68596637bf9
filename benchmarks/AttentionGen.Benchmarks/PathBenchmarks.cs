using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace AttentionGen.Benchmarks;

/// <summary>One generated kernel (shape a) on each x86 code path, each in its own process with the
/// runtime switches that force that path.</summary>
[Config(typeof(PathConfig))]
[MemoryDiagnoser]
public class PathBenchmarks
{
    private float[] _query = [], _key = [], _value = [], _output = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float[] Random(int n)
        {
            float[] data = new float[n];
            for (int i = 0; i < n; i++)
                data[i] = (float)(random.NextDouble() * 2 - 1);
            return data;
        }

        _query = Random(ShapeA.QueryLength);
        _key = Random(ShapeA.KeyLength);
        _value = Random(ShapeA.ValueLength);
        _output = new float[ShapeA.OutputLength];
    }

    /// <summary>S = T = 128, H = 12, D = 64 on whichever path the job's environment leaves.</summary>
    [Benchmark]
    public void ShapeA_Forward() => ShapeA.Forward(_query, _key, _value, _output);

    private sealed class PathConfig : ManualConfig
    {
        public PathConfig()
        {
            AddJob(Job.Default.WithId("Avx512"));
            AddJob(Job.Default.WithId("Avx2").WithEnvironmentVariable("DOTNET_EnableAVX512", "0"));
            AddJob(Job.Default.WithId("Scalar").WithEnvironmentVariable("DOTNET_EnableHWIntrinsic", "0"));
        }
    }
}
