#if ONNX_RUNTIME
using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace SentenceEmbeddings;

/// <summary>The same model run by ONNX Runtime on the same tokens, pooled and normalized the same way: the reference
/// the managed encoder is compared with.</summary>
public sealed class OnnxMiniLm : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;

    private readonly bool _ownsOptions;

    public OnnxMiniLm(byte[] model, int threads = 1)
        : this(model, new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL }) =>
        _ownsOptions = true;

    /// <summary>A session with the caller's options, which the caller keeps and disposes.</summary>
    public OnnxMiniLm(byte[] model, SessionOptions options)
    {
        _options = options;
        _session = new InferenceSession(model, options);
    }

    /// <summary>Each sentence's embedding from one padded batch (attention_mask marks each sentence's tokens).</summary>
    public float[][] EncodeBatch(IReadOnlyList<IReadOnlyList<int>> sentences)
    {
        int batch = sentences.Count, width = sentences.Max(s => s.Count);
        long[] ids = new long[batch * width], mask = new long[batch * width], types = new long[batch * width];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < sentences[b].Count; i++)
                (ids[b * width + i], mask[b * width + i]) = (sentences[b][i], 1);
        }

        long[] shape = [batch, width];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions,
            ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["last_hidden_state"]);
        ReadOnlySpan<float> hidden = outputs[0].GetTensorDataAsSpan<float>();
        var embeddings = new float[batch][];
        for (int b = 0; b < batch; b++)
            embeddings[b] = MiniLmEncoder.Pool(hidden.Slice(b * width * MiniLmWeights.Hidden, sentences[b].Count * MiniLmWeights.Hidden), sentences[b].Count);
        return embeddings;
    }

    public float[] Encode(IReadOnlyList<int> tokens) => EncodeBatch([tokens])[0];

    /// <summary>Ends a profiling session's profile and returns its file.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public void Dispose()
    {
        _session.Dispose();
        if (_ownsOptions)
            _options.Dispose();
    }
}
#endif
