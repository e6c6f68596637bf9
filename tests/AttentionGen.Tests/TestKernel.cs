using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AttentionGen.Kernels;
using Xunit;

namespace AttentionGen.Tests;

public delegate void ForwardFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    Span<float> output, int kvLength);

public delegate void ForwardFullFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    Span<float> output);

public delegate void ForwardLengthsFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    Span<float> output, int queryLength, int kvLength);

public delegate void ForwardBatchFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths);

public delegate void ForwardSinksFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    ReadOnlySpan<float> sinks, Span<float> output, int kvLength);

public delegate void ForwardSinksFullFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    ReadOnlySpan<float> sinks, Span<float> output);

public delegate void ForwardSinksLengthsFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    ReadOnlySpan<float> sinks, Span<float> output, int queryLength, int kvLength);

public delegate void ForwardSinksBatchFunction(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    ReadOnlySpan<float> sinks, Span<float> output, ReadOnlySpan<int> queryLengths, ReadOnlySpan<int> kvLengths);

/// <summary>A generated kernel of this assembly, seen through its generated members. A kernel with sinks is called with
/// <see cref="Sinks"/> (fixed per kernel, or given to <see cref="WithSinks"/>), so every test can call every kernel alike.</summary>
public sealed class TestKernel
{
    private TestKernel(Type type, float[]? sinks = null)
    {
        Type = type;
        var attribute = type.GetCustomAttribute<AttentionKernelAttribute>()!;
        Shape = new AttentionShape(Const<int>("SeqLen"), Const<int>("Heads"), Const<int>("HeadDim"),
            Const<int>("KvLen"), Const<int>("KvHeads"), attribute.Causal, Const<float>("Scale"), attribute.Layout,
            attribute.Window, attribute.Softcap, attribute.Alibi, attribute.Sinks);
        Sinks = !Shape.Sinks ? [] : sinks ?? Enumerable.Range(0, Shape.Heads).Select(h => 0.75f * (h % 4) - 1).ToArray();
        float[] s = Sinks;
        if (Shape.Sinks)
        {
            var forward = Method<ForwardSinksFunction>("Forward", 6);
            var forwardAll = Method<ForwardSinksFullFunction>("Forward", 5);
            var parallel = Method<ForwardSinksFunction>("ForwardParallel", 6);
            var parallelAll = Method<ForwardSinksFullFunction>("ForwardParallel", 5);
            var lengths = Method<ForwardSinksLengthsFunction>("Forward", 7);
            var parallelLengths = Method<ForwardSinksLengthsFunction>("ForwardParallel", 7);
            var batch = Method<ForwardSinksBatchFunction>("ForwardBatch", 7);
            Forward = (q, k, v, o, kvLength) => forward(q, k, v, s, o, kvLength);
            ForwardAll = (q, k, v, o) => forwardAll(q, k, v, s, o);
            ForwardParallel = (q, k, v, o, kvLength) => parallel(q, k, v, s, o, kvLength);
            ForwardParallelAll = (q, k, v, o) => parallelAll(q, k, v, s, o);
            ForwardLengths = (q, k, v, o, queryLength, kvLength) => lengths(q, k, v, s, o, queryLength, kvLength);
            ForwardParallelLengths = (q, k, v, o, queryLength, kvLength) => parallelLengths(q, k, v, s, o, queryLength, kvLength);
            ForwardBatch = (q, k, v, o, queryLengths, kvLengths) => batch(q, k, v, s, o, queryLengths, kvLengths);
        }
        else
        {
            Forward = Method<ForwardFunction>("Forward", 5);
            ForwardAll = Method<ForwardFullFunction>("Forward", 4);
            ForwardParallel = Method<ForwardFunction>("ForwardParallel", 5);
            ForwardParallelAll = Method<ForwardFullFunction>("ForwardParallel", 4);
            ForwardLengths = Method<ForwardLengthsFunction>("Forward", 6);
            ForwardParallelLengths = Method<ForwardLengthsFunction>("ForwardParallel", 6);
            ForwardBatch = Method<ForwardBatchFunction>("ForwardBatch", 6);
        }

        ActivePath = (KernelPath)type.GetProperty("ActivePath")!.GetValue(null)!;
    }

    /// <summary>This kernel called with other sink logits.</summary>
    public TestKernel WithSinks(float[] sinks) => new(Type, sinks);

    /// <summary>The sink logits every call passes (one per query head), or empty for a kernel without sinks.</summary>
    public float[] Sinks { get; }

    public Type Type { get; }

    public string Name => Type.Name;

    public AttentionShape Shape { get; }

    public ForwardFunction Forward { get; }

    public ForwardFullFunction ForwardAll { get; }

    public ForwardFunction ForwardParallel { get; }

    public ForwardFullFunction ForwardParallelAll { get; }

    public ForwardLengthsFunction ForwardLengths { get; }

    public ForwardLengthsFunction ForwardParallelLengths { get; }

    public ForwardBatchFunction ForwardBatch { get; }

    public KernelPath ActivePath { get; }

    public override string ToString() => Name;

    /// <summary>Every float32 <c>[AttentionKernel]</c> class in the test assembly, by name.</summary>
    /// <remarks>Kernels with 16-bit keys and values take other span types; <see cref="HalfCacheTests"/> calls them directly.</remarks>
    public static IReadOnlyDictionary<string, TestKernel> All { get; } = typeof(TestKernel).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<AttentionKernelAttribute>() is { KvType: AttentionKvType.Float32 })
        .Select(t => new TestKernel(t))
        .ToDictionary(k => k.Name);

    /// <summary>The kernels' names, those of one namespace when <paramref name="namespaceSuffix"/> is given. Kernels with a
    /// decoder variant (window, soft-cap, ALiBi, sinks) only when <paramref name="withVariants"/>: the suites that
    /// model the mask themselves know the causal one only.</summary>
    public static TheoryData<string> Names(string? namespaceSuffix = null, bool withVariants = false) =>
        new(All.Values.Where(k => namespaceSuffix is null || k.Type.Namespace!.EndsWith(namespaceSuffix, StringComparison.Ordinal))
            .Where(k => withVariants || !k.HasVariants)
            .Select(k => k.Name).OrderBy(n => n, StringComparer.Ordinal));

    /// <summary>Whether the kernel uses a window, soft-cap, ALiBi or sinks.</summary>
    public bool HasVariants => Shape.Window > 0 || Shape.Softcap > 0 || Shape.Alibi || Shape.Sinks;

    private T Const<T>(string name) => (T)Type.GetField(name)!.GetRawConstantValue()!;

    private T Method<T>(string name, int parameters) where T : Delegate =>
        Type.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == parameters).CreateDelegate<T>();
}
