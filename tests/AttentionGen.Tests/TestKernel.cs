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

/// <summary>A generated kernel of this assembly, seen through its generated members.</summary>
public sealed class TestKernel
{
    private TestKernel(Type type)
    {
        Type = type;
        var attribute = type.GetCustomAttribute<AttentionKernelAttribute>()!;
        Shape = new AttentionShape(Const<int>("SeqLen"), Const<int>("Heads"), Const<int>("HeadDim"),
            Const<int>("KvLen"), Const<int>("KvHeads"), attribute.Causal, Const<float>("Scale"), attribute.Layout);
        Forward = Method<ForwardFunction>("Forward", 5);
        ForwardAll = Method<ForwardFullFunction>("Forward", 4);
        ForwardParallel = Method<ForwardFunction>("ForwardParallel", 5);
        ForwardParallelAll = Method<ForwardFullFunction>("ForwardParallel", 4);
        ForwardLengths = Method<ForwardLengthsFunction>("Forward", 6);
        ForwardParallelLengths = Method<ForwardLengthsFunction>("ForwardParallel", 6);
        ForwardBatch = Method<ForwardBatchFunction>("ForwardBatch", 6);
        ActivePath = (KernelPath)type.GetProperty("ActivePath")!.GetValue(null)!;
    }

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

    /// <summary>Every <c>[AttentionKernel]</c> class in the test assembly, by name.</summary>
    public static IReadOnlyDictionary<string, TestKernel> All { get; } = typeof(TestKernel).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<AttentionKernelAttribute>() is not null)
        .Select(t => new TestKernel(t))
        .ToDictionary(k => k.Name);

    public static TheoryData<string> Names(string? namespaceSuffix = null) =>
        new(All.Values.Where(k => namespaceSuffix is null || k.Type.Namespace!.EndsWith(namespaceSuffix, StringComparison.Ordinal))
            .Select(k => k.Name).OrderBy(n => n, StringComparer.Ordinal));

    private T Const<T>(string name) => (T)Type.GetField(name)!.GetRawConstantValue()!;

    private T Method<T>(string name, int parameters) where T : Delegate =>
        Type.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == parameters).CreateDelegate<T>();
}
