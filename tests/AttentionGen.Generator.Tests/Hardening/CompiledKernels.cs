using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using AttentionGen.Kernels;
using AttentionGen.Tests;
using AttentionGen.Tests.Hardening;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace AttentionGen.Generator.Tests.Hardening;

public delegate void KernelForward(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
    Span<float> output, int kvLength);

/// <summary>A generated kernel compiled in memory, seen through its public members.</summary>
public sealed class CompiledKernel
{
    internal CompiledKernel(Type type)
    {
        Type = type;
        var attribute = type.GetCustomAttribute<AttentionKernelAttribute>()
            ?? throw new InvalidOperationException($"{type} has no [AttentionKernel]");
        Shape = new AttentionShape(Const<int>("SeqLen"), Const<int>("Heads"), Const<int>("HeadDim"), Const<int>("KvLen"),
            Const<int>("KvHeads"), attribute.Causal, Const<float>("Scale"), attribute.Layout);
        Forward = Method("Forward");
        ForwardParallel = Method("ForwardParallel");
        ActivePath = (KernelPath)type.GetProperty("ActivePath")!.GetValue(null)!;
        foreach (var (name, expected) in new[] { ("QueryLength", Shape.QueryLength), ("KeyLength", Shape.KeyLength),
                     ("ValueLength", Shape.ValueLength), ("OutputLength", Shape.OutputLength) })
        {
            if (Const<int>(name) != expected)
                throw new InvalidOperationException($"{type.Name}.{name} is {Const<int>(name)}, expected {expected}");
        }
    }

    public Type Type { get; }

    public AttentionShape Shape { get; }

    public KernelForward Forward { get; }

    public KernelForward ForwardParallel { get; }

    public KernelPath ActivePath { get; }

    public T Const<T>(string name) => (T)Type.GetField(name)!.GetRawConstantValue()!;

    private KernelForward Method(string name) =>
        Type.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == 5).CreateDelegate<KernelForward>();
}

/// <summary>
/// Compiles consumer source with the generator (optimized, as a consumer's Release build), emits it to memory and
/// loads it into a collectible <see cref="AssemblyLoadContext"/>; the real AttentionGen.dll of this process serves as
/// the runtime library. Dispose unloads it.
/// </summary>
public sealed class CompiledKernels : IDisposable
{
    private static int s_count;
    private readonly AssemblyLoadContext _context;

    private CompiledKernels(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    public static CompiledKernels Compile(string source)
    {
        string name = "Kernels" + System.Threading.Interlocked.Increment(ref s_count);
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        compilation = compilation.WithAssemblyName(name)
            .WithOptions(compilation.Options.WithOptimizationLevel(OptimizationLevel.Release));
        GeneratorDriver driver = GeneratorHarness.Driver()
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var driverDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        // Compile errors surface from Emit below (binding twice would double the cost).
        var problems = driverDiagnostics.Concat(result.Diagnostics).ToList();
        if (result.Exception is not null || problems.Count > 0)
            throw new InvalidOperationException($"generation failed: {result.Exception}\n" + string.Join("\n", problems.Take(20)));

        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        if (!emitted.Success)
            throw new InvalidOperationException("emit failed:\n" + string.Join("\n", emitted.Diagnostics.Take(20)));
        image.Position = 0;
        var context = new AssemblyLoadContext(name, isCollectible: true);
        return new CompiledKernels(context, context.LoadFromStream(image));
    }

    /// <summary>The kernel class named <paramref name="fullName"/> (namespace and name; '+' for nested types).</summary>
    public CompiledKernel Kernel(string fullName) =>
        new(Assembly.GetType(fullName, throwOnError: true)!);

    public IEnumerable<CompiledKernel> All() =>
        Assembly.GetTypes().Where(t => t.GetCustomAttribute<AttentionKernelAttribute>() is not null).Select(t => new CompiledKernel(t));

    public void Dispose() => _context.Unload();
}

/// <summary>Checks sampled rows of an output with the kernel tests' shared row reference and accuracy bar.</summary>
public static class KernelMath
{
    /// <summary>Checks rows (h, i) of <paramref name="output"/> against float64; returns (max error, bar, e32).</summary>
    public static (double Error, double Bar, double E32) CheckRows(AttentionShape s, float[] query, float[] key, float[] value,
        int kvLength, float[] output, IEnumerable<(int H, int I)> rows)
    {
        double error = 0, e32 = 0, maxAbs = 0;
        foreach (var (h, i) in rows)
        {
            double[] exact = RowReference.Exact(s, query, key, value, kvLength, h, i);
            float[] plain = RowReference.Plain(s, query, key, value, kvLength, h, i);
            int o = RowReference.RowOffset(s, h, i);
            for (int c = 0; c < s.HeadDim; c++)
            {
                double e = Math.Abs(output[o + c] - exact[c]);
                error = double.IsNaN(e) ? double.PositiveInfinity : Math.Max(error, e);
                e32 = Math.Max(e32, Math.Abs(plain[c] - exact[c]));
                maxAbs = Math.Max(maxAbs, Math.Abs(exact[c]));
            }
        }

        return (error, Accuracy.Bar(e32, maxAbs), e32);
    }
}
