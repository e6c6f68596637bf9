using System;
using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace AttentionGen.Kernels;

/// <summary>
/// Spreads a kernel's work items over the machine's cores with a small pool of long-lived worker threads:
/// no allocation per call, no delegate, no task.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelKernel
{
    /// <summary>
    /// Runs every work item of a batch: each worker claims the next unclaimed item when it is free, so a worker slowed
    /// by another process (or by a causal kernel's longer items) leaves its share to the others. Items write disjoint
    /// parts of the output and each is computed exactly as on one thread, so the result depends neither on the thread
    /// count nor on which thread ran which item. While another parallel call holds the pool, this one runs on the
    /// calling thread (same result, no waiting).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value,
        ReadOnlySpan<float> sinks, Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths)
        where TWork : IAttentionWork
    {
        int workers = (int)Math.Min(Environment.ProcessorCount, (long)queryLengths.Length * TWork.WorkItems);
        if (workers <= 1 || !WorkerPool.Shared.TryAcquire())
        {
            RunSequential<TWork>(query, key, value, sinks, output, queryLengths, kvLengths);
            return;
        }

        float[]? rented = RentShared<TWork>(queryLengths.Length);
        try
        {
            Span<float> shared = rented.AsSpan(0, queryLengths.Length * TWork.SharedFloats);
            fixed (float* q = query, sk = sinks, o = output, s = shared)
            fixed (byte* k = key, v = value)
            fixed (int* ql = queryLengths, kl = kvLengths)
            {
                var job = new Job((nint)q, query.Length, (nint)k, key.Length, (nint)v, value.Length, (nint)sk, sinks.Length, (nint)o,
                    output.Length, (nint)s, shared.Length, (nint)ql, (nint)kl, queryLengths.Length);
                // The job lives on this stack frame: the pool finishes with it before Execute returns.
                WorkerPool.Shared.Execute(&RunWorker<TWork>, (nint)(&job), workers);
            }

            TWork.Finish(new AttentionCall(query, key, value, sinks, output, queryLengths, kvLengths, shared));
        }
        finally
        {
            WorkerPool.Shared.Release();
            ReturnShared(rented);
        }
    }

    /// <summary>One call of <paramref name="queryLength"/> rows and <paramref name="kvLength"/> keys, spread over the
    /// cores: a batch of one.</summary>
    public static void Run<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value,
        ReadOnlySpan<float> sinks, Span<float> output, int queryLength, int kvLength)
        where TWork : IAttentionWork =>
        Run<TWork>(query, key, value, sinks, output, MemoryMarshal.CreateReadOnlySpan(ref queryLength, 1),
            MemoryMarshal.CreateReadOnlySpan(ref kvLength, 1));

    /// <summary>One call of <paramref name="queryLength"/> rows and <paramref name="kvLength"/> keys on the calling
    /// thread: a batch of one.</summary>
    public static void RunSequential<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value,
        ReadOnlySpan<float> sinks, Span<float> output, int queryLength, int kvLength)
        where TWork : IAttentionWork =>
        RunSequential<TWork>(query, key, value, sinks, output, MemoryMarshal.CreateReadOnlySpan(ref queryLength, 1),
            MemoryMarshal.CreateReadOnlySpan(ref kvLength, 1));

    /// <summary>Runs every work item of a batch in order on the calling thread, then
    /// <see cref="IAttentionWork.Finish"/>: exactly the computation what <c>Run</c> spreads over cores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunSequential<TWork>(ReadOnlySpan<float> query, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value,
        ReadOnlySpan<float> sinks, Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths)
        where TWork : IAttentionWork
    {
        float[]? rented = RentShared<TWork>(queryLengths.Length);
        var call = new AttentionCall(query, key, value, sinks, output, queryLengths, kvLengths,
            rented.AsSpan(0, queryLengths.Length * TWork.SharedFloats));
        int nextItem = 0;
        TWork.Run(call, ref nextItem);
        TWork.Finish(call);
        ReturnShared(rented);
    }

    /// <summary>The call's shared memory from the array pool (no allocation once warm), or null when the items
    /// share none (<see cref="IAttentionWork.SharedFloats"/> is 0, a JIT-time constant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float[]? RentShared<TWork>(int batchSize)
        where TWork : IAttentionWork =>
        TWork.SharedFloats > 0 ? ArrayPool<float>.Shared.Rent(batchSize * TWork.SharedFloats) : null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReturnShared(float[]? rented)
    {
        if (rented != null)
            ArrayPool<float>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunWorker<TWork>(nint state)
        where TWork : IAttentionWork
    {
        ref Job job = ref *(Job*)state;
        var call = new AttentionCall(new ReadOnlySpan<float>((float*)job.Query, job.QueryLength),
            new ReadOnlySpan<byte>((byte*)job.Key, job.KeyLength),
            new ReadOnlySpan<byte>((byte*)job.Value, job.ValueLength),
            new ReadOnlySpan<float>((float*)job.Sinks, job.SinksLength),
            new Span<float>((float*)job.Output, job.OutputLength),
            new ReadOnlySpan<int>((int*)job.QueryLengths, job.BatchSize),
            new ReadOnlySpan<int>((int*)job.KvLengths, job.BatchSize),
            new Span<float>((float*)job.Shared, job.SharedLength));
        TWork.Run(call, ref job.NextItem);
    }

    /// <summary>The pinned spans and arguments of one parallel call, and the counter its workers claim items from.</summary>
    private struct Job(nint query, int queryLength, nint key, int keyLength, nint value, int valueLength, nint sinks, int sinksLength,
        nint output, int outputLength, nint shared, int sharedLength, nint queryLengths, nint kvLengths, int batchSize)
    {
        public readonly nint Query = query, Key = key, Value = value, Sinks = sinks, Output = output, Shared = shared,
            QueryLengths = queryLengths, KvLengths = kvLengths;
        public readonly int QueryLength = queryLength, KeyLength = keyLength, ValueLength = valueLength, SinksLength = sinksLength,
            OutputLength = outputLength, SharedLength = sharedLength, BatchSize = batchSize;
        public int NextItem;
    }

    /// <summary>ProcessorCount − 1 background threads that wait for a job; the caller works on it too.</summary>
    private sealed unsafe class WorkerPool
    {
        public static readonly WorkerPool Shared = new(Environment.ProcessorCount - 1);

        private readonly SemaphoreSlim _start = new(0);
        private readonly CountdownEvent _done = new(1);
        private int _busy;
        private delegate*<nint, void> _job;
        private nint _state;

        private WorkerPool(int threads)
        {
            for (int i = 0; i < threads; i++)
                new Thread(Loop) { IsBackground = true, Name = "AttentionGen worker " + (i + 1) }.Start();
        }

        public bool TryAcquire() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

        public void Release() => Volatile.Write(ref _busy, 0);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(delegate*<nint, void> job, nint state, int workers)
        {
            _job = job;
            _state = state;
            _done.Reset(workers - 1);
            _start.Release(workers - 1);
            job(state);
            // The others are finishing their last items: spin briefly rather than sleep and pay a wake-up.
            long giveUp = Stopwatch.GetTimestamp() + SpinTicks;
            while (!_done.IsSet && Stopwatch.GetTimestamp() < giveUp)
                Thread.SpinWait(20);
            _done.Wait();
        }

        /// <summary>How long a worker keeps polling for the next call, and the caller for the workers, before they
        /// block (about 200 µs): back-to-back calls then skip the operating system's wake-up, which on a VM can cost
        /// as much as a small call's whole work.</summary>
        private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            while (true)
            {
                if (!SpinForJob())
                    _start.Wait();
                try
                {
                    _job(_state);
                }
                finally
                {
                    _done.Signal();
                }
            }
        }

        /// <summary>Takes the next job's start signal if it comes within <see cref="SpinTicks"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool SpinForJob()
        {
            long giveUp = Stopwatch.GetTimestamp() + SpinTicks;
            do
            {
                if (_start.CurrentCount > 0 && _start.Wait(0)) // a plain read first: Wait(0) takes the semaphore's lock
                    return true;
                Thread.SpinWait(20);
            }
            while (Stopwatch.GetTimestamp() < giveUp);
            return false;
        }
    }
}
