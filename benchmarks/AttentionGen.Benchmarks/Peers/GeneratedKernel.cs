using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>The generated kernel behind the same interface as the peers, so the harnesses treat all alike.</summary>
public sealed class GeneratedKernel : IAttentionPeer
{
    private readonly KernelCall _call;
    private readonly float[] _query, _key, _value, _output;

    public GeneratedKernel(string name, KernelCall call, AttentionShape shape, float[] query, float[] key, float[] value)
    {
        (Name, _call, _query, _key, _value) = (name, call, query, key, value);
        _output = new float[shape.OutputLength];
    }

    public string Name { get; }

    public void Run() => _call(_query, _key, _value, _output);

    public void CopyOutput(Span<float> output) => _output.CopyTo(output);

    public void Dispose() { }
}
