using System;
using System.Collections.Generic;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>The two ways an ONNX model computes attention here.</summary>
public enum OnnxVariant
{
    /// <summary>One fused com.microsoft contrib op: MultiHeadAttention, or GroupQueryAttention for GQA shapes.</summary>
    FusedOp,

    /// <summary>Plain opset-17 graph: MatMul(Q, Kᵀ) → Mul(scale) → [Add(causal mask)] → Softmax → MatMul(·, V).</summary>
    MatMulSoftmax,
}

/// <summary>A float tensor bound to the session: its graph name, the pinned array behind it and its ONNX shape.</summary>
public sealed record OnnxTensor(string Name, float[] Data, long[] Dims);

/// <summary>A serialized model with the tensors bound to it. Outputs[0] is the attention output, in
/// <see cref="OutputLayout"/> (TokenMajor = [1, S, H·D], HeadMajor = [1, H, S, D]).</summary>
public sealed record OnnxAttentionModel(string OpName, byte[] Model, OnnxTensor[] Inputs, OnnxTensor[] Outputs,
    AttentionLayout OutputLayout);

/// <summary>
/// Builds the ONNX models for a shape from inputs in the generated kernel's layout. Layout conversions and the GQA
/// head expansion happen here, once, so the session only does attention.
/// </summary>
public static class OnnxAttentionModels
{
    /// <summary>Why <paramref name="variant"/> cannot express <paramref name="shape"/>, or null if it can.</summary>
    public static string? Unsupported(OnnxVariant variant, AttentionShape shape)
    {
        if (variant == OnnxVariant.MatMulSoftmax && (shape.Window > 0 || shape.Softcap > 0 || shape.Alibi || shape.Sinks))
            return "the plain graph here has no window, soft-cap, ALiBi or sinks";
        if (variant == OnnxVariant.MatMulSoftmax)
            return shape.Causal && shape.KvLen < shape.SeqLen
                ? "a causal row with no key would be all -inf, and Softmax would give NaN, not the contract's zeros"
                : null; // otherwise any shape: GQA heads are expanded, the causal mask is an additive constant
        if (shape.Alibi)
            return "neither MultiHeadAttention nor GroupQueryAttention has ALiBi";
        if (UsesGroupQueryAttention(shape) && !(shape.Causal && shape.SeqLen == shape.KvLen))
            return "GroupQueryAttention is causal-only (prefill with past = 0); MultiHeadAttention has no KV-head grouping, window, soft-cap or sinks";
        if (shape.KvHeads == shape.Heads && shape.Causal && shape.SeqLen != shape.KvLen)
            return "MultiHeadAttention's unidirectional mask fits neither corner when S != T (ORT 1.31.1 CPU, K/V as " +
                   "[B,H,T,D]: rows i < S-1 see keys j <= i, the last row sees all T); it would need an attention_bias mask";
        return null;
    }

    /// <summary>GroupQueryAttention for GQA shapes and for a window, soft-cap or sinks; MultiHeadAttention otherwise.</summary>
    private static bool UsesGroupQueryAttention(AttentionShape s) => s.KvHeads != s.Heads || s.Window > 0 || s.Softcap > 0 || s.Sinks;

    /// <summary>The fused-op model, or <see cref="NotSupportedException"/> with the reason. <paramref name="sinks"/>: one
    /// logit per query head, for a shape with sinks.</summary>
    public static OnnxAttentionModel FusedOp(AttentionShape shape, float[] query, float[] key, float[] value, float[]? sinks = null)
    {
        if (Unsupported(OnnxVariant.FusedOp, shape) is string reason)
            throw new NotSupportedException(reason);
        return UsesGroupQueryAttention(shape)
            ? GroupQueryAttention(shape, query, key, value, sinks)
            : MultiHeadAttention(shape, query, key, value);
    }

    // com.microsoft.MultiHeadAttention: query [B, S, H·D]; key and value [B, H, T, D] (BNSH), the form the CPU
    // kernel takes without transposing them on every call. unidirectional = 1 masks j > i, which is the contract's
    // bottom-right mask when S = T (checked against the reference; S != T is refused in Unsupported). Output [B, S, H·D].
    private static OnnxAttentionModel MultiHeadAttention(AttentionShape s, float[] query, float[] key, float[] value)
    {
        int h = s.Heads, d = s.HeadDim;
        var q = new OnnxTensor("query", Layouts.ToTokenMajor(s, query, h, s.SeqLen), [1, s.SeqLen, h * d]);
        var k = new OnnxTensor("key", Layouts.ToHeadMajor(s, key, h, s.KvLen), [1, h, s.KvLen, d]);
        var v = new OnnxTensor("value", Layouts.ToHeadMajor(s, value, h, s.KvLen), [1, h, s.KvLen, d]);
        var o = new OnnxTensor("output", new float[s.OutputLength], [1, s.SeqLen, h * d]);

        var builder = Declare([q, k, v], [o]);
        builder.AddNode("MultiHeadAttention", ["query", "key", "value"], ["output"], "com.microsoft",
            OnnxAttribute.Int("num_heads", h), OnnxAttribute.Single("scale", s.Scale),
            OnnxAttribute.Int("unidirectional", s.Causal ? 1 : 0));
        return new("MultiHeadAttention", builder.ToModel(), [q, k, v], [o], AttentionLayout.TokenMajor);
    }

    // com.microsoft.GroupQueryAttention (always causal): query [B, S, H·D], key and value [B, T, KvH·D] with no
    // past; seqlens_k = T − 1 and total_sequence_length = T are constants. It must also write present_key and
    // present_value [B, KvH, T, D], bound to scratch arrays so they cost no allocation. The decoder variants map to
    // its softcap and local_window_size attributes (the window counts the query's own key, as Window does) and its
    // head_sink input (index 11, one logit per query head).
    private static OnnxAttentionModel GroupQueryAttention(AttentionShape s, float[] query, float[] key, float[] value, float[]? sinks)
    {
        int h = s.Heads, kvh = s.KvHeads, d = s.HeadDim;
        var q = new OnnxTensor("query", Layouts.ToTokenMajor(s, query, h, s.SeqLen), [1, s.SeqLen, h * d]);
        var k = new OnnxTensor("key", Layouts.ToTokenMajor(s, key, kvh, s.KvLen), [1, s.KvLen, kvh * d]);
        var v = new OnnxTensor("value", Layouts.ToTokenMajor(s, value, kvh, s.KvLen), [1, s.KvLen, kvh * d]);
        var o = new OnnxTensor("output", new float[s.OutputLength], [1, s.SeqLen, h * d]);
        var presentK = new OnnxTensor("present_key", new float[s.KeyLength], [1, kvh, s.KvLen, d]);
        var presentV = new OnnxTensor("present_value", new float[s.ValueLength], [1, kvh, s.KvLen, d]);

        var builder = Declare([q, k, v], [o, presentK, presentV]);
        builder.AddInitializer("seqlens_k", [s.KvLen - 1], 1);
        builder.AddInitializer("total_sequence_length", [s.KvLen]);
        var attributes = new List<Onnx.AttributeProto>
        {
            OnnxAttribute.Int("num_heads", h), OnnxAttribute.Int("kv_num_heads", kvh), OnnxAttribute.Single("scale", s.Scale),
        };
        if (s.Softcap > 0)
            attributes.Add(OnnxAttribute.Single("softcap", s.Softcap));
        if (s.Window > 0)
            attributes.Add(OnnxAttribute.Int("local_window_size", s.Window));
        string[] inputs = ["query", "key", "value", "", "", "seqlens_k", "total_sequence_length"];
        if (s.Sinks)
        {
            builder.AddInitializer("head_sink", sinks ?? throw new ArgumentNullException(nameof(sinks)), s.Heads);
            inputs = [.. inputs, "", "", "", "", "head_sink"];
        }

        builder.AddNode("GroupQueryAttention", inputs, ["output", "present_key", "present_value"], "com.microsoft", [.. attributes]);
        return new("GroupQueryAttention", builder.ToModel(), [q, k, v], [o, presentK, presentV],
            AttentionLayout.TokenMajor);
    }

    /// <summary>The plain-graph model: Q [1, H, S, D], K and V [1, H, T, D] (GQA heads expanded here, outside any
    /// timing), output [1, H, S, D]. Kᵀ is a Transpose node, which ORT folds into the MatMul.</summary>
    public static OnnxAttentionModel MatMulSoftmax(AttentionShape s, float[] query, float[] key, float[] value)
    {
        int h = s.Heads, d = s.HeadDim;
        var q = new OnnxTensor("query", Layouts.ToHeadMajor(s, query, h, s.SeqLen), [1, h, s.SeqLen, d]);
        var k = new OnnxTensor("key", Layouts.ExpandKvHeads(s, Layouts.ToHeadMajor(s, key, s.KvHeads, s.KvLen)), [1, h, s.KvLen, d]);
        var v = new OnnxTensor("value", Layouts.ExpandKvHeads(s, Layouts.ToHeadMajor(s, value, s.KvHeads, s.KvLen)), [1, h, s.KvLen, d]);
        var o = new OnnxTensor("output", new float[s.OutputLength], [1, h, s.SeqLen, d]);

        var builder = Declare([q, k, v], [o]);
        builder.AddInitializer("scale", [s.Scale]);
        builder.AddNode("Transpose", ["key"], ["key_t"], "", OnnxAttribute.Ints("perm", 0, 1, 3, 2));
        builder.AddNode("MatMul", ["query", "key_t"], ["scores"]);
        builder.AddNode("Mul", ["scores", "scale"], ["scaled"]);
        string logits = "scaled";
        if (s.Causal)
        {
            builder.AddInitializer("causal_mask", CausalMask(s), 1, 1, s.SeqLen, s.KvLen);
            builder.AddNode("Add", ["scaled", "causal_mask"], ["masked"]);
            logits = "masked";
        }

        builder.AddNode("Softmax", [logits], ["probs"], "", OnnxAttribute.Int("axis", -1));
        builder.AddNode("MatMul", ["probs", "value"], ["output"]);
        return new("MatMul+Softmax", builder.ToModel(), [q, k, v], [o], AttentionLayout.HeadMajor);
    }

    // Bottom-right aligned: row i may attend key j <= i + (T - S); others get -inf, which Softmax turns into 0
    // (Unsupported rejects T < S, so every row keeps at least one key).
    private static float[] CausalMask(AttentionShape s)
    {
        float[] mask = new float[s.SeqLen * s.KvLen];
        for (int i = 0; i < s.SeqLen; i++)
            for (int j = i + (s.KvLen - s.SeqLen) + 1; j < s.KvLen; j++)
                mask[i * s.KvLen + j] = float.NegativeInfinity;
        return mask;
    }

    private static OnnxModelBuilder Declare(OnnxTensor[] inputs, OnnxTensor[] outputs)
    {
        var builder = new OnnxModelBuilder();
        foreach (OnnxTensor input in inputs)
            builder.AddInput(input.Name, OnnxModelBuilder.Float, input.Dims);
        foreach (OnnxTensor output in outputs)
            builder.AddOutput(output.Name, OnnxModelBuilder.Float, output.Dims);
        return builder;
    }
}
