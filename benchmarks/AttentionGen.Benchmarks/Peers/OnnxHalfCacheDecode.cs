using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime's GroupQueryAttention decoding one token from a float16 KV cache, one thread: query, the new token's key
/// and value, and the past cache ([1, KvH, T − 1, D], BNSH) in float16, as an LLM runtime keeps them; it writes the
/// present cache ([1, KvH, T, D]) each call, as the operator must (<see cref="OnnxBoundSession"/>).
/// </summary>
public sealed class OnnxHalfCacheDecode : IDisposable
{
    private const int Float16 = 10;
    private readonly OnnxBoundSession _session;
    private readonly Dictionary<string, Float16[]> _data = [];
    private readonly AttentionShape _shape;

    /// <param name="shape">A decode shape: one query token, <c>KvLen</c> keys including the new one.</param>
    /// <param name="cache">Values for the query, the cache and the new token, cycled: only their cost matters here.</param>
    public OnnxHalfCacheDecode(AttentionShape shape, float[] cache)
    {
        _shape = shape;
        int h = shape.Heads, kvh = shape.KvHeads, d = shape.HeadDim, t = shape.KvLen;
        var builder = new OnnxModelBuilder();
        var tensors = new (string Name, long[] Dims, bool Input)[]
        {
            ("query", [1, 1, h * d], true), ("key", [1, 1, kvh * d], true), ("value", [1, 1, kvh * d], true),
            ("past_key", [1, kvh, t - 1, d], true), ("past_value", [1, kvh, t - 1, d], true),
            ("output", [1, 1, h * d], false), ("present_key", [1, kvh, t, d], false), ("present_value", [1, kvh, t, d], false),
        };
        foreach (var (name, dims, input) in tensors)
        {
            if (input)
                builder.AddInput(name, Float16, dims);
            else
                builder.AddOutput(name, Float16, dims);
        }

        builder.AddInitializer("seqlens_k", [t - 1], 1);
        builder.AddInitializer("total_sequence_length", [t]);
        builder.AddNode("GroupQueryAttention", ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"],
            ["output", "present_key", "present_value"], "com.microsoft",
            OnnxAttribute.Int("num_heads", h), OnnxAttribute.Int("kv_num_heads", kvh), OnnxAttribute.Single("scale", shape.Scale));

        _session = new OnnxBoundSession(builder.ToModel());
        long offset = 0;
        foreach (var (name, dims, input) in tensors)
        {
            offset += 7919; // each tensor starts elsewhere in the cycle, so that K and V differ
            long length = 1;
            foreach (long dim in dims)
                length *= dim;
            var data = new Float16[length];
            for (long i = 0; i < length; i++)
                data[i] = new Float16(BitConverter.HalfToUInt16Bits((Half)cache[(i + offset) % cache.Length]));
            _data[name] = data;
            _session.Bind(name, data, dims, input);
        }
    }

    public void Run() => _session.Run();

    /// <summary>The query as floats, and the whole cache (past, then the new token) in the kernel's head-major layout
    /// [KvH, T, D] as Half: the same numbers ONNX Runtime is given.</summary>
    public (float[] Query, Half[] Key, Half[] Value) Inputs() =>
        (Array.ConvertAll(_data["query"], x => (float)ToHalf(x)), Cache("past_key", "key"), Cache("past_value", "value"));

    /// <summary>The last call's output as floats ([1, H·D]: head-major, as S = 1).</summary>
    public float[] Output() => Array.ConvertAll(_data["output"], x => (float)ToHalf(x));

    private Half[] Cache(string past, string current)
    {
        int t = _shape.KvLen, d = _shape.HeadDim;
        var cache = new Half[_shape.KvHeads * t * d];
        for (int g = 0; g < _shape.KvHeads; g++)
        {
            for (int i = 0; i < (t - 1) * d; i++)
                cache[g * t * d + i] = ToHalf(_data[past][g * (t - 1) * d + i]);
            for (int i = 0; i < d; i++)
                cache[g * t * d + (t - 1) * d + i] = ToHalf(_data[current][g * d + i]);
        }

        return cache;
    }

    private static Half ToHalf(Float16 x) => BitConverter.UInt16BitsToHalf(x.value);

    public void Dispose() => _session.Dispose();
}
