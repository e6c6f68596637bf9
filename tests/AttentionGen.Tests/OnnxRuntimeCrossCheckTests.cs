using System;
using System.Runtime.InteropServices;
using AttentionGen.Benchmarks.Peers;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The decoder variants against an independent implementation: ONNX Runtime's GroupQueryAttention (float32, prompt mode,
/// one thread) with its softcap and local_window_size attributes and its head_sink input, on the golden cases that use
/// them. ONNX Runtime agrees with the golden output within the case's bar, and so does the generated kernel with it.
/// </summary>
public class OnnxRuntimeCrossCheckTests
{
    [Theory]
    [InlineData("gemma2-softcap")]
    [InlineData("mistral-window")]
    [InlineData("gptoss-sinks")]
    public void GroupQueryAttentionAgreesWithTheGoldenOutputAndTheKernel(string name)
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime is cross-checked on x64 only");
        VariantGoldenTests.VariantCase c = VariantGoldenTests.Case(name);
        AttentionShape s = c.Shape;
        float[] query = c.Load("query"), key = c.Load("key"), value = c.Load("value"), expected = c.Load("output");
        float[] onnx = new float[s.OutputLength], generated = new float[s.OutputLength];
        using (var peer = new OnnxAttention(OnnxVariant.FusedOp, s, query, key, value, c.Sinks ? c.SinkLogits : null))
        {
            peer.Run();
            peer.CopyOutput(onnx);
        }

        TestKernel kernel = TestKernel.All[VariantGoldenTests.KernelOf(name)];
        if (c.Sinks)
            kernel = kernel.WithSinks(c.SinkLogits);
        kernel.ForwardAll(query, key, value, generated);

        for (int n = 0; n < expected.Length; n++)
        {
            Assert.True(Math.Abs(onnx[n] - expected[n]) <= c.Bar, $"{name}: ONNX Runtime's element {n} is {onnx[n]}, golden {expected[n]} (bar {c.Bar:E3})");
            Assert.True(Math.Abs(generated[n] - onnx[n]) <= 2 * c.Bar, $"{name} on {kernel.ActivePath}: element {n} is {generated[n]}, ONNX Runtime's {onnx[n]}");
        }
    }
}
