using System;
using System.Threading;

namespace AttentionGen.Kernels;

/// <summary>
/// Spreads a kernel's work items over the machine's cores with a small pool of long-lived worker threads:
/// no allocation per call, no delegate, no task.
/// </summary>
public static class ParallelKernel
{
    /// <summary>
    /// Runs every work item of <typeparamref name="TWork"/>: worker w takes items w, w + workers, … so causal
    /// kernels, whose later items are longer, stay balanced. Items write disjoint parts of the output and each is
    /// computed exactly as <c>Forward</c> computes it, so the result does not depend on the thread count. While
    /// another parallel call holds the pool, this one runs on the calling thread (same result, no waiting).
    /// </summary>
    public static unsafe void Run<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, Span<float> output, int kvLength)
        where TWork : IAttentionWork
    {
        int workers = Math.Min(Environment.ProcessorCount, TWork.WorkItems);
        if (workers <= 1 || !WorkerPool.Shared.TryAcquire())
        {
            TWork.Run(query, key, value, output, kvLength, 0, 1);
            return;
        }

        try
        {
            fixed (float* q = query, k = key, v = value, o = output)
            {
                var job = new Job((nint)q, query.Length, (nint)k, key.Length, (nint)v, value.Length, (nint)o,
                    output.Length, kvLength, workers);
                // The job lives on this stack frame: the pool finishes with it before Execute returns.
                WorkerPool.Shared.Execute(&RunWorker<TWork>, (nint)(&job), workers);
            }
        }
        finally
        {
            WorkerPool.Shared.Release();
        }
    }

    private static unsafe void RunWorker<TWork>(nint state, int worker)
        where TWork : IAttentionWork
    {
        ref Job job = ref *(Job*)state;
        TWork.Run(new ReadOnlySpan<float>((float*)job.Query, job.QueryLength),
            new ReadOnlySpan<float>((float*)job.Key, job.KeyLength),
            new ReadOnlySpan<float>((float*)job.Value, job.ValueLength),
            new Span<float>((float*)job.Output, job.OutputLength), job.KvLength, worker, job.Workers);
    }

    /// <summary>The pinned spans and arguments of one parallel call.</summary>
    private readonly struct Job(nint query, int queryLength, nint key, int keyLength, nint value, int valueLength,
        nint output, int outputLength, int kvLength, int workers)
    {
        public readonly nint Query = query, Key = key, Value = value, Output = output;
        public readonly int QueryLength = queryLength, KeyLength = keyLength, ValueLength = valueLength,
            OutputLength = outputLength, KvLength = kvLength, Workers = workers;
    }

    /// <summary>ProcessorCount − 1 background threads that wait for a job; the caller is worker 0.</summary>
    private sealed unsafe class WorkerPool
    {
        public static readonly WorkerPool Shared = new(Environment.ProcessorCount - 1);

        private readonly SemaphoreSlim _start = new(0);
        private readonly CountdownEvent _done = new(1);
        private int _busy;
        private delegate*<nint, int, void> _job;
        private nint _state;
        private int _nextWorker;

        private WorkerPool(int threads)
        {
            for (int i = 0; i < threads; i++)
                new Thread(Loop) { IsBackground = true, Name = "AttentionGen worker " + (i + 1) }.Start();
        }

        public bool TryAcquire() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

        public void Release() => Volatile.Write(ref _busy, 0);

        public void Execute(delegate*<nint, int, void> job, nint state, int workers)
        {
            _job = job;
            _state = state;
            _nextWorker = 0;
            _done.Reset(workers - 1);
            _start.Release(workers - 1);
            job(state, 0);
            _done.Wait();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                int worker = Interlocked.Increment(ref _nextWorker);
                try
                {
                    _job(_state, worker);
                }
                finally
                {
                    _done.Signal();
                }
            }
        }
    }
}
