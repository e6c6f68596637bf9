using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Xunit;

namespace AttentionGen.Generator.Tests.Hardening;

/// <summary>The large kernels, compiled once (in memory) for the tests of <see cref="LargeShapeTests"/>.</summary>
/// <remarks>They live here, not in AttentionGen.Tests, because every [AttentionKernel] class of that assembly joins
/// TestKernel.All and so its full float64 reference tests, which at S = T = 8192 would take minutes (hours under
/// QEMU).</remarks>
public sealed class LargeKernels : IDisposable
{
    public const string Source = """
        using AttentionGen;
        namespace Large;
        [AttentionKernel(SeqLen = 8192, Heads = 1, HeadDim = 128)]
        public static partial class Long8192 { }
        [AttentionKernel(SeqLen = 8192, Heads = 1, HeadDim = 128, Causal = true)]
        public static partial class Long8192Causal { }
        [AttentionKernel(SeqLen = 1, KvLen = 32768, Heads = 8, KvHeads = 2, HeadDim = 128)]
        public static partial class Decode32k { }
        [AttentionKernel(SeqLen = 1, KvLen = 32768, Heads = 8, KvHeads = 2, HeadDim = 128, Causal = true, Layout = AttentionLayout.TokenMajor)]
        public static partial class Decode32kTokenMajor { }
        """;

    public LargeKernels() => Kernels = CompiledKernels.Compile(Source);

    public CompiledKernels Kernels { get; }

    public void Dispose() => Kernels.Dispose();
}

/// <summary>
/// Long sequences: S = T = 8192 at D = 128 (causal and not) and decoding one row against 32768 keys (GQA 8/2). They
/// must run without overflowing the stack (also on a thread with a 512 KiB stack) and hold the accuracy bar, checked
/// on a sample of rows against a float64 row reference. Tagged Category=Large so CI can run them once.
/// </summary>
[Trait("Category", "Large")]
public class LargeShapeTests(LargeKernels fixture) : IClassFixture<LargeKernels>
{
    private static readonly int[] SampleRows = { 0, 1, 2, 15, 16, 31, 32, 33, 127, 128, 1000, 4095, 4096, 4097, 6000, 8190, 8191 };

    [Theory]
    [InlineData("Large.Long8192")]
    [InlineData("Large.Long8192Causal")]
    public void Sequence8192HoldsTheBar(string name)
    {
        CompiledKernel kernel = fixture.Kernels.Kernel(name);
        AttentionShape s = kernel.Shape;
        float[] query = AttentionGen.Tests.TestData.Random(s.QueryLength, 1, 2f), key = AttentionGen.Tests.TestData.Random(s.KeyLength, 2, 2f),
            value = AttentionGen.Tests.TestData.Random(s.ValueLength, 3);
        var random = new Random(4);
        var rows = SampleRows.Concat(Enumerable.Range(0, 16).Select(_ => random.Next(s.SeqLen))).Distinct().Select(i => (0, i)).ToList();

        foreach (int kvLength in new[] { s.KvLen, 5000 })
        {
            float[] output = new float[s.OutputLength], parallel = new float[s.OutputLength];
            var timer = Stopwatch.StartNew();
            RunOnSmallStack(() => kernel.Forward(query, key, value, output, kvLength));
            TimeSpan forward = timer.Elapsed;
            timer.Restart();
            kernel.ForwardParallel(query, key, value, parallel, kvLength);
            TestContext.Current.SendDiagnosticMessage(
                $"{name} kvLength {kvLength} on {kernel.ActivePath}: Forward {forward.TotalMilliseconds:F0} ms, ForwardParallel {timer.Elapsed.TotalMilliseconds:F0} ms");

            Assert.True(output.All(float.IsFinite), $"{name}: non-finite output");
            Assert.True(output.AsSpan().SequenceEqual(parallel), $"{name}: ForwardParallel differs from Forward");
            var (error, bar, _) = KernelMath.CheckRows(s, query, key, value, kvLength, output, rows);
            Assert.True(error <= bar, $"{name} kvLength {kvLength} on {kernel.ActivePath}: error {error:E3} > bar {bar:E3}");
        }
    }

    [Theory]
    [InlineData("Large.Decode32k")]
    [InlineData("Large.Decode32kTokenMajor")]
    public void DecodeAgainst32kKeysHoldsTheBar(string name)
    {
        CompiledKernel kernel = fixture.Kernels.Kernel(name);
        AttentionShape s = kernel.Shape;
        float[] query = AttentionGen.Tests.TestData.Random(s.QueryLength, 5, 3f), key = AttentionGen.Tests.TestData.Random(s.KeyLength, 6, 3f),
            value = AttentionGen.Tests.TestData.Random(s.ValueLength, 7);
        var rows = Enumerable.Range(0, s.Heads).Select(h => (h, 0)).ToList(); // every row
        foreach (int kvLength in new[] { s.KvLen, 20001, 1 })
        {
            float[] output = new float[s.OutputLength], parallel = new float[s.OutputLength];
            RunOnSmallStack(() => kernel.Forward(query, key, value, output, kvLength));
            kernel.ForwardParallel(query, key, value, parallel, kvLength);
            Assert.True(output.AsSpan().SequenceEqual(parallel), $"{name}: ForwardParallel differs from Forward");
            var (error, bar, _) = KernelMath.CheckRows(s, query, key, value, kvLength, output, rows);
            Assert.True(error <= bar, $"{name} kvLength {kvLength} on {kernel.ActivePath}: error {error:E3} > bar {bar:E3}");
        }
    }

    /// <summary>Runs <paramref name="action"/> on a thread with a 512 KiB stack (a quarter of .NET's default for
    /// secondary threads on Linux): the kernels' stack scratch is capped at 128 KiB.</summary>
    private static void RunOnSmallStack(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 512 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException("the kernel failed on a 512 KiB stack", failure);
    }
}
