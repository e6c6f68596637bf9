using System;

namespace AttentionGen.Benchmarks.Peers;

/// <summary>Every implementation the harnesses compare.</summary>
public enum PeerKind
{
    Generated,
    GeneratedParallel,
    GeneratedColdKeyValues,
    OnnxMha,
    OnnxMatMulSoftmax,
    TensorPrimitives,
    Naive,
}

/// <summary>Creates an implementation for a shape and checks it against the reference before handing it out.</summary>
public static class PeerFactory
{
    /// <summary>Why <paramref name="kind"/> cannot run <paramref name="shape"/>, or null if it can.</summary>
    public static string? Unsupported(PeerKind kind, AttentionShape shape) => kind switch
    {
        PeerKind.OnnxMha => OnnxAttentionModels.Unsupported(OnnxVariant.FusedOp, shape),
        PeerKind.OnnxMatMulSoftmax => OnnxAttentionModels.Unsupported(OnnxVariant.MatMulSoftmax, shape),
        _ => null,
    };

    /// <summary>A verified implementation; throws <see cref="NotSupportedException"/> if it cannot express the shape
    /// and <see cref="InvalidOperationException"/> if its result is wrong.</summary>
    /// <param name="kind">The implementation.</param>
    /// <param name="shapeCase">The shape.</param>
    /// <param name="inputs">Inputs and the float64 result they are checked against.</param>
    /// <param name="lastLevelCacheBytes">Size of the cache <see cref="PeerKind.GeneratedColdKeyValues"/> must overflow.</param>
    public static IAttentionPeer Create(PeerKind kind, ShapeCase shapeCase, PeerInputs inputs, long lastLevelCacheBytes = 0)
    {
        AttentionShape s = shapeCase.Shape;
        IAttentionPeer peer = kind switch
        {
            PeerKind.Generated => new GeneratedKernel("Generated", shapeCase.Forward, s, inputs.Query, inputs.Key, inputs.Value),
            PeerKind.GeneratedParallel => new GeneratedKernel("Generated parallel", shapeCase.ForwardParallel, s, inputs.Query, inputs.Key, inputs.Value),
            PeerKind.GeneratedColdKeyValues => new GeneratedKernelColdKeyValues(shapeCase.Forward, s, inputs.Query, inputs.Key, inputs.Value, lastLevelCacheBytes),
            PeerKind.OnnxMha => new OnnxAttention(OnnxVariant.FusedOp, s, inputs.Query, inputs.Key, inputs.Value),
            PeerKind.OnnxMatMulSoftmax => new OnnxAttention(OnnxVariant.MatMulSoftmax, s, inputs.Query, inputs.Key, inputs.Value),
            PeerKind.TensorPrimitives => new TensorPrimitivesAttention(s, inputs.Query, inputs.Key, inputs.Value),
            PeerKind.Naive => new NaiveAttention(s, inputs.Query, inputs.Key, inputs.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        try
        {
            return inputs.Verify(peer);
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }
}
