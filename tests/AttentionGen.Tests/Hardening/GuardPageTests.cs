using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AttentionGen.Kernels;
using Xunit;

namespace AttentionGen.Tests.Hardening;

/// <summary>
/// "Nothing outside the spans is ever read or written", checked by the MMU: every input and the output sit in their
/// own mapping flush against a PROT_NONE page (after the span, and in a second variant before it), inputs are mapped
/// read-only, and with a kvLength below KvLen the key and value spans (still KvLen-sized) are mapped only up to the
/// last element the first kvLength positions can reach. A stray access kills the process with SIGSEGV, so on x86-64
/// the checks run in a child process and the test asserts that it exited cleanly having checked every kernel.
/// </summary>
public class GuardPageTests
{
    private const string ReportVariable = "ATTENTIONGEN_GUARD_REPORT";
    private const string ModeVariable = "ATTENTIONGEN_GUARD_MODE";

    [Fact]
    public void KernelsStayInsideTheirSpans()
    {
        KernelPath path = TestKernel.All.Values.First().ActivePath;
        if (!ChildProcess.CanSpawn(out string reason))
        {
            // QEMU (arm64 CI): in-process. A fault still fails the run, just without a friendly message.
            TestContext.Current.SendDiagnosticMessage($"guard pages in-process: {reason}");
            GuardPageChecks.Summary summary = GuardPageChecks.RunAll();
            Assert.Equal(TestKernel.All.Count, summary.Kernels);
            return;
        }

        string report = Path.Combine(Path.GetTempPath(), $"attentiongen-guard-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            ChildProcess.Result result = ChildProcess.RunTest(typeof(GuardPageTests), nameof(GuardPageChild),
                new Dictionary<string, string> { [ReportVariable] = report, [ModeVariable] = "check" },
                TimeSpan.FromMinutes(10));
            Assert.False(result.TimedOut, $"the guard-page child timed out:\n{result.Output}");
            Assert.True(result.ExitCode == 0,
                $"the guard-page child exited with {result.ExitCode} (139 or 134: a fault, i.e. an access outside a span):\n{result.Output}");
            Assert.True(File.Exists(report), $"the guard-page child wrote no report (did its test run?):\n{result.Output}");
            string[] fields = File.ReadAllText(report).Split(' ');
            Assert.Equal(TestKernel.All.Count.ToString(), fields[0]);
            Assert.True(int.Parse(fields[1]) >= 4 * TestKernel.All.Count, $"only {fields[1]} guarded calls");
            Assert.Equal(path.ToString(), fields[2]); // the child ran the same code path as this process
        }
        finally
        {
            File.Delete(report);
        }
    }

    /// <summary>Proves the harness can see a fault: a child that reads one float past a guarded span must not exit
    /// cleanly. Without this, a child that silently did nothing would look like a pass.</summary>
    [Fact]
    public void TheHarnessCatchesAnOutOfBoundsRead()
    {
        Assert.SkipUnless(ChildProcess.CanSpawn(out string reason), $"no child process here: {reason}");
        ChildProcess.Result result = ChildProcess.RunTest(typeof(GuardPageTests), nameof(GuardPageChild),
            new Dictionary<string, string> { [ModeVariable] = "canary" }, TimeSpan.FromMinutes(2));
        Assert.False(result.TimedOut, result.Output);
        Assert.True(result.ExitCode != 0, $"reading past the guard page did not fail the child:\n{result.Output}");
        Assert.DoesNotContain("canary read", result.Output);
    }

    /// <summary>The child's side. Explicit, so a normal run never executes it; it acts only when the parent set
    /// <c>ATTENTIONGEN_GUARD_MODE</c>.</summary>
    [Fact(Explicit = true)]
    public unsafe void GuardPageChild()
    {
        string? mode = Environment.GetEnvironmentVariable(ModeVariable);
        Assert.SkipWhen(mode is null, "runs only in the child process started by KernelsStayInsideTheirSpans");
        if (mode == "canary")
        {
            using var buffer = GuardedBuffer.Create(5, GuardPlacement.End);
            fixed (float* p = buffer.Span)
            {
                float x = p[5]; // the first float of the guard page
                Console.WriteLine($"canary read {x}");
            }

            return;
        }

        GuardPageChecks.Summary summary = GuardPageChecks.RunAll();
        string? report = Environment.GetEnvironmentVariable(ReportVariable);
        if (report is not null)
            File.WriteAllText(report, $"{summary.Kernels} {summary.Calls} {summary.Path}");
    }
}

/// <summary>The guard-page work itself, shared by the child process and the in-process fallback.</summary>
public static class GuardPageChecks
{
    public sealed record Summary(int Kernels, int Calls, KernelPath Path);

    public static Summary RunAll()
    {
        int calls = 0;
        foreach (TestKernel kernel in TestKernel.All.Values.OrderBy(k => k.Name, StringComparer.Ordinal))
            calls += Check(kernel);
        return new Summary(TestKernel.All.Count, calls, TestKernel.All.Values.First().ActivePath);
    }

    /// <summary>Elements of the key (or value) span the first <paramref name="kvLength"/> positions can reach: the
    /// span's prefix that must be readable. Past it a kernel has no business.</summary>
    public static int ReachablePrefix(AttentionShape s, int kvLength) => s.Layout == AttentionLayout.HeadMajor
        ? ((s.KvHeads - 1) * s.KvLen + kvLength) * s.HeadDim
        : kvLength * s.KvHeads * s.HeadDim;

    private static int Check(TestKernel kernel)
    {
        AttentionShape s = kernel.Shape;
        float[] query = TestData.Random(s.QueryLength, 101), key = TestData.Random(s.KeyLength, 102),
            value = TestData.Random(s.ValueLength, 103);
        int calls = 0;
        foreach (int kvLength in new[] { s.KvLen, Math.Max(1, s.KvLen / 2) }.Distinct())
        {
            float[] expected = new float[s.OutputLength];
            kernel.Forward(query, key, value, expected, kvLength);
            foreach (bool parallel in new[] { false, true })
            {
                foreach (GuardPlacement placement in new[] { GuardPlacement.End, GuardPlacement.Start })
                {
                    Run(kernel, parallel, kvLength, placement, truncated: false, query, key, value, expected);
                    calls++;
                }

                if (kvLength < s.KvLen)
                {
                    Run(kernel, parallel, kvLength, GuardPlacement.End, truncated: true, query, key, value, expected);
                    calls++;
                }
            }
        }

        return calls;
    }

    private static void Run(TestKernel kernel, bool parallel, int kvLength, GuardPlacement placement, bool truncated,
        float[] query, float[] key, float[] value, float[] expected)
    {
        AttentionShape s = kernel.Shape;
        string what = $"{kernel.Name} on {kernel.ActivePath} ({(parallel ? "ForwardParallel" : "Forward")}, kvLength {kvLength}, " +
            $"guard {(placement == GuardPlacement.End ? "after" : "before")} the spans{(truncated ? ", key/value mapped only up to kvLength" : string.Empty)})";
        int reachable = truncated ? ReachablePrefix(s, kvLength) : s.KeyLength;
        // A start-aligned output is a little longer than OutputLength: those extra floats must keep the sentinel.
        int outputLength = placement == GuardPlacement.Start ? s.OutputLength + 3 : s.OutputLength;
        using GuardedBuffer q = GuardedBuffer.Create(s.QueryLength, placement).With(query).ReadOnly();
        using GuardedBuffer k = (truncated ? GuardedBuffer.Truncated(s.KeyLength, reachable) : GuardedBuffer.Create(s.KeyLength, placement))
            .With(key).ReadOnly();
        using GuardedBuffer v = (truncated ? GuardedBuffer.Truncated(s.ValueLength, reachable) : GuardedBuffer.Create(s.ValueLength, placement))
            .With(value).ReadOnly();
        using GuardedBuffer o = GuardedBuffer.Create(outputLength, placement);

        (parallel ? kernel.ForwardParallel : kernel.Forward)(q.Span, k.Span, v.Span, o.Span, kvLength);

        Span<float> output = o.Span;
        for (int n = 0; n < s.OutputLength; n++)
        {
            if (RowReference.Bits(output[n]) != RowReference.Bits(expected[n]))
                Assert.Fail($"{what}: output[{n}] = {output[n]:R}, but a call on ordinary arrays gave {expected[n]:R}");
        }

        for (int n = s.OutputLength; n < outputLength; n++)
        {
            if (RowReference.Bits(output[n]) != RowReference.Bits(GuardedBuffer.Sentinel))
                Assert.Fail($"{what}: output[{n}] past OutputLength ({s.OutputLength}) was written");
        }

        int stray = o.FirstWriteOutsideTheSpan();
        Assert.True(stray < 0, $"{what}: the output page was written outside the span (float {stray} of the page)");
    }
}
