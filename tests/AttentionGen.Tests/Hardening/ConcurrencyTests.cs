using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace AttentionGen.Tests.Hardening;

/// <summary>"Thread-safe: any number of threads may call any kernel at once. No allocation on the managed heap per
/// call once warm. The same inputs give bitwise the same output on the same machine and code path."</summary>
public class ConcurrencyTests
{
    /// <summary>Kernels of every kind (panels and rows, causal, GQA/MQA, TokenMajor, many key blocks) that are cheap
    /// enough for hundreds of calls under emulation.</summary>
    private static readonly string[] Mixed =
    {
        "OddGqaTokenMajor", "MultiQueryCausal", "DecodeStepGqa", "DecodeMultiQuerySplit", "DecodeWideGroupSplit", "NarrowLastPanelCausal", "NarrowDotRowsGqaCausal", "FewRowsCausal", "TinyGroupedCausal", "LongKeysCausal",
        "SeedToy", "Smallest", "RowsGqaCausalTokenMajor", "PanelsGqaCausalBlocks", "SelfCausalTokenMajor", "HotLogits",
    };

    private sealed record Job(TestKernel Kernel, bool Parallel, int KvLength, float[] Query, float[] Key, float[] Value, float[] Expected)
    {
        public override string ToString() => $"{Kernel.Name} ({(Parallel ? "ForwardParallel" : "Forward")}, kvLength {KvLength})";
    }

    private static List<Job> Jobs()
    {
        var jobs = new List<Job>();
        int seed = 0;
        foreach (string name in Mixed)
        {
            TestKernel kernel = TestKernel.All[name];
            AttentionShape s = kernel.Shape;
            foreach (int kvLength in new[] { s.KvLen, Math.Max(1, s.KvLen * 3 / 5) }.Distinct())
            {
                seed += 3;
                float[] q = TestData.Random(s.QueryLength, seed, 2f), k = TestData.Random(s.KeyLength, seed + 1, 2f),
                    v = TestData.Random(s.ValueLength, seed + 2);
                float[] expected = new float[s.OutputLength];
                kernel.Forward(q, k, v, expected, kvLength); // single-threaded, nothing else running in this test yet
                jobs.Add(new Job(kernel, false, kvLength, q, k, v, expected));
                jobs.Add(new Job(kernel, true, kvLength, q, k, v, expected));
            }
        }

        return jobs;
    }

    [Fact]
    public void ManyThreadsCallingManyKernelsGetTheSingleThreadedResultBitwise()
    {
        const int threads = 8;
        // 8 × 50 on x86-64; fewer under arm64 emulation, where every call is ~50x slower.
        int calls = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 50 : 12;
        List<Job> jobs = Jobs();
        var failures = new ConcurrentQueue<string>();
        var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var outputs = jobs.Select(j => new float[j.Kernel.Shape.OutputLength]).ToArray();
            start.SignalAndWait();
            for (int c = 0; c < calls; c++)
            {
                // Threads walk the jobs in different orders, so different kernels and both entry points overlap.
                int index = (t * 7 + c * (2 * t + 1)) % jobs.Count;
                Job job = jobs[index];
                float[] output = outputs[index];
                output.AsSpan().Fill(float.NaN);
                try
                {
                    (job.Parallel ? job.Kernel.ForwardParallel : job.Kernel.Forward)(job.Query, job.Key, job.Value, output, job.KvLength);
                }
                catch (Exception e)
                {
                    failures.Enqueue($"thread {t} call {c}: {job} threw {e}");
                    continue;
                }

                int n = FirstDifference(output, job.Expected);
                if (n >= 0)
                    failures.Enqueue($"thread {t} call {c}: {job} output[{n}] = {output[n]:R}, single-threaded {job.Expected[n]:R}");
            }
        }, 4 << 20)).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.True(failures.IsEmpty, $"{failures.Count} of {threads * calls} concurrent calls differ:\n" + string.Join("\n", failures.Take(10)));
    }

    public static TheoryData<string> Kernels => TestKernel.Names(withVariants: true);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void RepeatedCallsAreBitwiseEqualWhateverTheOutputHeld(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        float[] q = TestData.Random(s.QueryLength, 31, 3f), k = TestData.Random(s.KeyLength, 32, 3f), v = TestData.Random(s.ValueLength, 33);
        int kvLength = Math.Max(1, s.KvLen - 2);
        float[] first = new float[s.OutputLength];
        kernel.Forward(q, k, v, first, kvLength);
        // The output's previous contents must not matter (it is written, never accumulated into).
        foreach (float fill in new[] { float.NaN, -0f })
        {
            foreach (bool parallel in new[] { false, true })
            {
                float[] again = Enumerable.Repeat(fill, s.OutputLength).ToArray();
                (parallel ? kernel.ForwardParallel : kernel.Forward)(q, k, v, again, kvLength);
                int n = FirstDifference(again, first);
                Assert.True(n < 0, $"{name} (parallel {parallel}, output prefilled with {fill}): output[{n}] = {(n < 0 ? 0 : again[n]):R} vs {(n < 0 ? 0 : first[n]):R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void WarmForwardAllocatesNothing(string name)
    {
        TestKernel kernel = TestKernel.All[name];
        AttentionShape s = kernel.Shape;
        float[] q = TestData.Random(s.QueryLength, 41), k = TestData.Random(s.KeyLength, 42), v = TestData.Random(s.ValueLength, 43);
        float[] output = new float[s.OutputLength];
        int kvLength = Math.Max(1, s.KvLen / 3);
        // "Once warm": tiered compilation may allocate on the calling thread while it counts calls and installs
        // optimized code, so allow a few rounds of warm-up before asking for a round that allocates nothing.
        long allocated = -1;
        for (int attempt = 0; attempt < 10 && allocated != 0; attempt++)
        {
            for (int warm = 0; warm < 20; warm++)
            {
                kernel.Forward(q, k, v, output, kvLength);
                kernel.ForwardAll(q, k, v, output);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            kernel.Forward(q, k, v, output, kvLength);
            kernel.ForwardAll(q, k, v, output);
            kernel.Forward(q, k, v, output, s.KvLen);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(allocated == 0, $"{name} on {kernel.ActivePath}: 3 warm Forward calls allocated {allocated} bytes");
    }

    private static int FirstDifference(float[] actual, float[] expected)
    {
        ReadOnlySpan<int> a = MemoryMarshal.Cast<float, int>(actual), e = MemoryMarshal.Cast<float, int>(expected);
        for (int n = 0; n < e.Length; n++)
        {
            if (a[n] != e[n])
                return n;
        }

        return -1;
    }
}
