using System;
using AttentionGen.Benchmarks.Peers;
using BenchmarkDotNet.Attributes;

namespace AttentionGen.Benchmarks.Comparison;

/// <summary>
/// The generated kernel of one shape against its peers, single-threaded. Each benchmark has its own setup so a
/// BenchmarkDotNet process builds (and checks against the reference) only the implementation it times.
/// Naive sits in the "Naive" category, which Program leaves out unless <c>--naive</c> is given: at shape f it
/// takes seconds per call.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Peers")]
public abstract class PeerBenchmarks(ShapeCase shapeCase)
{
    private IAttentionPeer? _peer;

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated() => Setup(PeerKind.Generated);

    [GlobalSetup(Target = nameof(OnnxMha))]
    public void SetupOnnxMha() => Setup(PeerKind.OnnxMha);

    [GlobalSetup(Target = nameof(OnnxMatMulSoftmax))]
    public void SetupOnnxMatMulSoftmax() => Setup(PeerKind.OnnxMatMulSoftmax);

    [GlobalSetup(Target = nameof(TensorPrimitives))]
    public void SetupTensorPrimitives() => Setup(PeerKind.TensorPrimitives);

    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive() => Setup(PeerKind.Naive);

    [GlobalCleanup]
    public void Cleanup() => _peer?.Dispose();

    /// <summary>The generated kernel's Forward (the baseline: other rows show their time relative to it).</summary>
    [Benchmark(Baseline = true)]
    public void Generated() => _peer!.Run();

    /// <summary>ONNX Runtime's fused contrib op (MultiHeadAttention; GroupQueryAttention for GQA).</summary>
    [Benchmark]
    public void OnnxMha() => _peer!.Run();

    /// <summary>ONNX Runtime running MatMul → Mul → [Add mask] → Softmax → MatMul.</summary>
    [Benchmark]
    public void OnnxMatMulSoftmax() => _peer!.Run();

    /// <summary>System.Numerics.Tensors primitives per row.</summary>
    [Benchmark]
    public void TensorPrimitives() => _peer!.Run();

    /// <summary>The scalar triple loop.</summary>
    [Benchmark]
    [BenchmarkCategory("Naive")]
    public void Naive() => _peer!.Run();

    private void Setup(PeerKind kind)
    {
        if (PeerFactory.Unsupported(kind, shapeCase.Shape) is string reason)
            throw new NotSupportedException($"{kind} cannot run shape {shapeCase.Id}: {reason}");
        _peer = PeerFactory.Create(kind, shapeCase, new PeerInputs(shapeCase.Shape));
    }
}
