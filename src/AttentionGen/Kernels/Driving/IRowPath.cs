using System.ComponentModel;

namespace AttentionGen.Kernels;

/// <summary>
/// One instruction set's plan for the row strategy (few query rows against many keys: decoding), as JIT-time
/// constants: the head dimension lies in the vector lanes and each row streams its keys once, so nothing needs
/// unrolling and <see cref="RowDriver"/> does all the work.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRowPath
{
    /// <summary>Keys per softmax block.</summary>
    static abstract int KeyBlock { get; }

    /// <summary>Ranges of whole key blocks each key/value head's keys are split into (split-KV); 1 for none.</summary>
    static virtual int KeySplits => 1;

    /// <summary>Whether the scratch fits the stack (else it is rented from the array pool).</summary>
    static abstract bool ScratchOnStack { get; }
}
