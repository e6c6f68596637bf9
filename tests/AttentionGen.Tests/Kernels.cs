using AttentionGen;

namespace AttentionGen.Tests;

[AttentionKernel(SeqLen = 3, Heads = 1, HeadDim = 4, Scale = 0.5f)]
public static partial class SeedToyKernel { }

[AttentionKernel(SeqLen = 128, Heads = 12, HeadDim = 64)]
public static partial class MiniLmKernel { }
