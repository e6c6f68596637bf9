using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// An ONNX Runtime session on one thread: intra-op and inter-op pools of 1, sequential execution, all graph
/// optimizations. Inputs and outputs are OrtValues over pinned arrays, bound once through an IoBinding, so a call hands
/// ORT no new managed objects.
/// </summary>
public sealed class OnnxBoundSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];

    public OnnxBoundSession(byte[] model)
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(model, _options);
        _binding = _session.CreateIoBinding();
    }

    /// <summary>Binds <paramref name="data"/>, pinned for the session's lifetime, as the input or output
    /// <paramref name="name"/> of shape <paramref name="dims"/>: ORT reads or writes it in place.</summary>
    public void Bind<T>(string name, T[] data, long[] dims, bool input) where T : unmanaged
    {
        OrtValue value = OrtValue.CreateTensorValueFromMemory(data, dims);
        _values.Add(value);
        if (input)
            _binding.BindInput(name, value);
        else
            _binding.BindOutput(name, value);
    }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        foreach (OrtValue value in _values)
            value.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _options.Dispose();
    }
}
