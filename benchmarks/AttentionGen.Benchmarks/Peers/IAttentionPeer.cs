using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>
/// One attention implementation bound to one shape and one set of inputs. Everything that is not the attention
/// itself (layout conversion, model building, buffer allocation) happens in the constructor, so <see cref="Run"/>
/// is exactly the work that is timed.
/// </summary>
public interface IAttentionPeer : IDisposable
{
    /// <summary>Short name used in tables and charts.</summary>
    string Name { get; }

    /// <summary>Computes attention of the inputs given at construction into the peer's own output buffer.</summary>
    void Run();

    /// <summary>Copies the last result into <paramref name="output"/> in the generated kernel's layout (for checking).</summary>
    void CopyOutput(Span<float> output);
}
