#if ONNX_RUNTIME
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace SentenceEmbeddings;

/// <summary>
/// ONNX Runtime's own account of the time its attention operators take inside all-MiniLM-L6-v2, from its profiler
/// (<see cref="SessionOptions.EnableProfiling"/>). In this BERT graph every tensor of rank 4 belongs to attention
/// ([batch, heads, tokens, tokens] scores, [batch, heads, tokens, 32] heads and the [batch, 1, 1, tokens] mask), so
/// a node is counted as attention when one of its inputs or outputs has rank 4: after ONNX Runtime's fusions that is
/// the scaled Q·Kᵀ (FusedMatMul), the mask's Add, Softmax, P·V, the Transposes and Reshapes into and out of heads, and
/// the mask's preparation.
/// </summary>
public static class OnnxAttentionProfile
{
    /// <summary>Microseconds per call that ONNX Runtime (one intra-op thread) spends in attention operators on
    /// <paramref name="tokens"/>, and in the whole model, averaged over <paramref name="calls"/> after a warm-up.</summary>
    public static (double Attention, double Model) Measure(byte[] model, IReadOnlyList<int> tokens, int calls)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"attentiongen-ort-{Environment.ProcessId}");
        string file;
        using (var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL })
        {
            options.ProfileOutputPathPrefix = prefix; // read by EnableProfiling, so set first
            options.EnableProfiling = true;
            using var onnx = new OnnxMiniLm(model, options);
            for (int i = 0; i < calls + 3; i++)
                onnx.Encode(tokens);
            file = onnx.EndProfiling();
        }

        try
        {
            return Read(file, warmUp: 3);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Attention operators' and all operators' kernel time per model run, skipping the first runs.</summary>
    private static (double Attention, double Model) Read(string file, int warmUp)
    {
        using JsonDocument profile = JsonDocument.Parse(File.ReadAllBytes(file));
        var events = profile.RootElement.EnumerateArray().ToArray();
        var runs = events.Where(e => e.GetProperty("name").GetString() == "model_run").Select(e => Span(e)).ToArray();
        (double Start, double End)[] timed = runs.Skip(warmUp).ToArray();
        double attention = 0, all = 0;
        foreach (JsonElement node in events)
        {
            if (node.GetProperty("cat").GetString() != "Node" || !node.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
                continue;
            double start = node.GetProperty("ts").GetDouble();
            if (!timed.Any(run => start >= run.Start && start <= run.End))
                continue;
            double duration = node.GetProperty("dur").GetDouble();
            all += duration;
            if (TouchesRank4(node.GetProperty("args")))
                attention += duration;
        }

        return (attention / timed.Length, all / timed.Length);
    }

    private static (double Start, double End) Span(JsonElement run)
    {
        double start = run.GetProperty("ts").GetDouble();
        return (start, start + run.GetProperty("dur").GetDouble());
    }

    private static bool TouchesRank4(JsonElement args) =>
        new[] { "input_type_shape", "output_type_shape" }.Any(key => args.TryGetProperty(key, out JsonElement shapes)
            && shapes.EnumerateArray().Any(typed => typed.EnumerateObject().Any(shape => shape.Value.GetArrayLength() == 4)));
}
#endif
