using System;
using System.Threading.Tasks;

namespace AttentionGen.Kernels;

/// <summary>Spreads a kernel's work items over the machine's cores.</summary>
public static class ParallelKernel
{
    /// <summary>
    /// Runs every work item of <typeparamref name="TWork"/>, worker w taking items w, w + workers, … so causal
    /// kernels, whose later items are longer, stay balanced. Items write disjoint parts of the output and each is
    /// computed exactly as <c>Forward</c> computes it, so the result does not depend on the thread count.
    /// </summary>
    public static unsafe void Run<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<float> output, int kvLength)
        where TWork : IAttentionWork
    {
        int workers = Math.Min(Environment.ProcessorCount, TWork.WorkItems);
        if (workers <= 1)
        {
            TWork.Run(query, key, value, output, kvLength, 0, 1);
            return;
        }

        fixed (float* q = query, k = key, v = value, o = output)
        {
            var spans = new PinnedSpans((nint)q, query.Length, (nint)k, key.Length, (nint)v, value.Length,
                (nint)o, output.Length);
            Parallel.For(0, workers, worker => TWork.Run(spans.Query, spans.Key, spans.Value, spans.Output,
                kvLength, worker, workers));
        }
    }

    /// <summary>The four spans of a call, pinned by the caller for the duration of the parallel loop.</summary>
    private readonly unsafe struct PinnedSpans(nint query, int queryLength, nint key, int keyLength, nint value,
        int valueLength, nint output, int outputLength)
    {
        public ReadOnlySpan<float> Query => new((float*)query, queryLength);
        public ReadOnlySpan<float> Key => new((float*)key, keyLength);
        public ReadOnlySpan<float> Value => new((float*)value, valueLength);
        public Span<float> Output => new((float*)output, outputLength);
    }
}
