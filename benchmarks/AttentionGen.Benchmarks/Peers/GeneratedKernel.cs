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

/// <summary>
/// The generated kernel reading keys and values that no cache holds: every call takes the next of enough copies of K
/// and V to fill the L3 twice over, so a decode step streams them from DRAM as it would behind a large model.
/// </summary>
public sealed class GeneratedKernelColdKeyValues : IAttentionPeer
{
    public const string DisplayName = "Generated, K/V from DRAM";

    private readonly KernelCall _call;
    private readonly float[] _query, _output;
    private readonly float[][] _keys, _values;
    private int _next;

    public GeneratedKernelColdKeyValues(KernelCall call, AttentionShape shape, float[] query, float[] key, float[] value,
        long lastLevelCacheBytes)
    {
        (_call, _query) = (call, query);
        _output = new float[shape.OutputLength];
        long keyValueBytes = 2L * sizeof(float) * key.Length;
        int copies = (int)Math.Min(64, 2 * lastLevelCacheBytes / keyValueBytes + 2);
        _keys = new float[copies][];
        _values = new float[copies][];
        for (int i = 0; i < copies; i++)
            (_keys[i], _values[i]) = ((float[])key.Clone(), (float[])value.Clone());
    }

    public string Name => DisplayName;

    public void Run()
    {
        _call(_query, _keys[_next], _values[_next], _output);
        _next = (_next + 1) % _keys.Length;
    }

    public void CopyOutput(Span<float> output) => _output.CopyTo(output);

    public void Dispose() { }
}

