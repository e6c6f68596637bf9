using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>One implementation being timed: a call, and the per-call times of its batches.</summary>
public sealed class Contender(string name, Action call)
{
    public string Name { get; } = name;

    public Action Call { get; } = call;

    public int CallsPerBatch { get; set; } = 1;

    public List<double> MillisecondsPerCall { get; } = [];

    public double Median
    {
        get
        {
            double[] sorted = [.. MillisecondsPerCall];
            Array.Sort(sorted);
            return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
        }
    }
}

/// <summary>
/// Times several implementations side by side: each is warmed up (tiered JIT runs vector code ~190× slower for
/// the first 0.5–1.5 s), sized to a batch of calls lasting a fixed time, then all are timed in interleaved rounds
/// so that a noisy neighbour on this shared machine slows every contender of a round alike; the median of the
/// rounds is reported.
/// </summary>
public static class InterleavedTimer
{
    public static void Measure(IReadOnlyList<Contender> contenders, int rounds, TimeSpan warmup, TimeSpan batch)
    {
        foreach (Contender c in contenders)
        {
            long start = Stopwatch.GetTimestamp();
            do
                c.Call();
            while (Stopwatch.GetElapsedTime(start) < warmup);

            // Size the batch from a short probe taken after the warm-up.
            start = Stopwatch.GetTimestamp();
            int calls = 0;
            do
            {
                c.Call();
                calls++;
            }
            while (Stopwatch.GetElapsedTime(start) < batch / 4);
            double perCall = Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls;
            c.CallsPerBatch = Math.Max(1, (int)Math.Ceiling(batch.TotalMilliseconds / perCall));
        }

        for (int round = 0; round < rounds; round++)
        {
            // Rotate the starting contender each round so none always runs right after the same neighbour.
            for (int n = 0; n < contenders.Count; n++)
            {
                Contender c = contenders[(n + round) % contenders.Count];
                long start = Stopwatch.GetTimestamp();
                for (int call = 0; call < c.CallsPerBatch; call++)
                    c.Call();
                c.MillisecondsPerCall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / c.CallsPerBatch);
            }
        }
    }
}
