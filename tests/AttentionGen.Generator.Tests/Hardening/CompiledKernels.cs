using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using AttentionGen.Kernels;
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

/// <summary>The contract's accuracy bar and the math it is measured with, for whole outputs or single rows.</summary>
public static class KernelMath
{
    public static double Bar(double float32Error, double maxAbsOutput) =>
        Math.Max(8 * float32Error, 4e-6 * Math.Max(1, maxAbsOutput));

    public static int RowOffset(AttentionShape s, int h, int i) => s.Layout == AttentionLayout.HeadMajor
        ? (h * s.SeqLen + i) * s.HeadDim
        : (i * s.Heads + h) * s.HeadDim;

    public static int KeyOffset(AttentionShape s, int g, int j) => s.Layout == AttentionLayout.HeadMajor
        ? (g * s.KvLen + j) * s.HeadDim
        : (j * s.KvHeads + g) * s.HeadDim;

    public static int AllowedKeys(AttentionShape s, int i, int kvLength) =>
        s.Causal ? Math.Clamp(i + kvLength - s.SeqLen + 1, 0, kvLength) : kvLength;

    /// <summary>One output row in float64, as <see cref="Reference.AttentionReference.ForwardExact"/> computes it.</summary>
    public static double[] ExactRow(AttentionShape s, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int h, int i)
    {
        int d = s.HeadDim, g = h / (s.Heads / s.KvHeads), allowed = AllowedKeys(s, i, kvLength);
        ReadOnlySpan<float> q = query.Slice(RowOffset(s, h, i), d);
        double[] scores = new double[Math.Max(1, allowed)];
        double max = double.NegativeInfinity;
        for (int j = 0; j < allowed; j++)
        {
            ReadOnlySpan<float> k = key.Slice(KeyOffset(s, g, j), d);
            double dot = 0;
            for (int c = 0; c < d; c++)
                dot += (double)q[c] * k[c];
            scores[j] = dot * s.Scale;
            max = Math.Max(max, scores[j]);
        }

        double[] row = new double[d];
        double sum = 0;
        for (int j = 0; j < allowed; j++)
        {
            double p = Math.Exp(scores[j] - max);
            sum += p;
            ReadOnlySpan<float> v = value.Slice(KeyOffset(s, g, j), d);
            for (int c = 0; c < d; c++)
                row[c] += p * v[c];
        }

        for (int c = 0; c < d; c++)
            row[c] = allowed == 0 ? 0 : row[c] / sum;
        return row;
    }

    /// <summary>One output row by the plain float32 algorithm that defines e32.</summary>
    public static float[] PlainRow(AttentionShape s, ReadOnlySpan<float> query, ReadOnlySpan<float> key,
        ReadOnlySpan<float> value, int kvLength, int h, int i)
    {
        int d = s.HeadDim, g = h / (s.Heads / s.KvHeads), allowed = AllowedKeys(s, i, kvLength);
        ReadOnlySpan<float> q = query.Slice(RowOffset(s, h, i), d);
        float[] scores = new float[Math.Max(1, allowed)];
        float max = float.NegativeInfinity;
        for (int j = 0; j < allowed; j++)
        {
            ReadOnlySpan<float> k = key.Slice(KeyOffset(s, g, j), d);
            float dot = 0;
            for (int c = 0; c < d; c++)
                dot += q[c] * k[c];
            scores[j] = dot * s.Scale;
            max = MathF.Max(max, scores[j]);
        }

        float[] row = new float[d];
        float sum = 0;
        for (int j = 0; j < allowed; j++)
        {
            float p = MathF.Exp(scores[j] - max);
            sum += p;
            ReadOnlySpan<float> v = value.Slice(KeyOffset(s, g, j), d);
            for (int c = 0; c < d; c++)
                row[c] += p * v[c];
        }

        for (int c = 0; c < d; c++)
            row[c] = allowed == 0 ? 0 : row[c] / sum;
        return row;
    }

    /// <summary>Checks rows (h, i) of <paramref name="output"/> against float64; returns (max error, bar, e32).</summary>
    public static (double Error, double Bar, double E32) CheckRows(AttentionShape s, float[] query, float[] key, float[] value,
        int kvLength, float[] output, IEnumerable<(int H, int I)> rows)
    {
        double error = 0, e32 = 0, maxAbs = 0;
        foreach (var (h, i) in rows)
        {
            double[] exact = ExactRow(s, query, key, value, kvLength, h, i);
            float[] plain = PlainRow(s, query, key, value, kvLength, h, i);
            int o = RowOffset(s, h, i);
            for (int c = 0; c < s.HeadDim; c++)
            {
                double e = Math.Abs(output[o + c] - exact[c]);
                error = double.IsNaN(e) ? double.PositiveInfinity : Math.Max(error, e);
                e32 = Math.Max(e32, Math.Abs(plain[c] - exact[c]));
                maxAbs = Math.Max(maxAbs, Math.Abs(exact[c]));
            }
        }

        return (error, Bar(e32, maxAbs), e32);
    }

    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        float[] data = new float[length];
        for (int n = 0; n < data.Length; n++)
            data[n] = (float)(random.NextDouble() * 2 - 1) * scale;
        return data;
    }
}
