using System.Linq;
using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>The comment at the top of a generated kernel: the shape, the work, and each path's plan, rendered from it.</summary>
internal static class HeaderComment
{
    public static void Write(SourceWriter w, KernelPlan plan)
    {
        KernelShape s = plan.Shape;
        w.Line($"// AttentionGen kernel {plan.Spec.DisplayName}: output = softmax(Scale · Q·Kᵀ) · V");
        w.Line("//");
        w.Line($"// Shape    S = {s.SeqLen} queries, T = {s.KvLen} keys, H = {s.Heads} heads over {s.KvHeads} key/value heads"
            + (s.GroupSize > 1 ? $" (groups of {s.GroupSize})" : string.Empty) + $", D = {s.HeadDim}");
        w.Line($"//          {s.Layout}, {(s.Causal ? "causal (bottom-right aligned)" : "no mask")}, Scale = {FloatLiteral(s.Scale)}"
            + (s.ScaleIsDefault ? " (1/sqrt(D))" : string.Empty));
        w.Line($"// Work     {Number(plan.FlopsPerCall)} FLOPs per call at the compiled lengths (4·D per allowed query-key pair), "
            + $"{Number(plan.ExpPerCall)} exp");
        w.Line("//");
        w.Line("// Paths    (Forward takes the first the machine supports; the runtime's PanelDriver or RowDriver runs it)");
        foreach (PathPlan path in plan.Paths)
        {
            if (path is PanelPathPlan panels)
                WritePanels(w, s, panels);
            else
                WriteRows(w, plan, path);
        }

        foreach (IsaProfile profile in IsaProfile.All)
        {
            if (!plan.Paths.Any(path => path.Profile == profile))
                w.Line($"//   {profile.Title,-9} not emitted: the target framework has no {profile.RequiredType}");
        }

        w.Line();
    }

    private static void WriteRows(SourceWriter w, KernelPlan plan, PathPlan path)
    {
        w.Line($"//   {path.Profile.Title,-9} rows: {plan.RowsPerKvHead} row(s) per key/value head is under half a {path.Profile.VectorType}, "
            + "so the head dimension takes the lanes");
        w.Line($"//             and each row streams its keys, blocks of {path.Keys.Block} keys, {path.WorkItems(plan.Shape.KvHeads)} work items, "
            + Scratch(path));
        WriteSplits(w, path, "each key/value head's");
    }

    private static void WritePanels(SourceWriter w, KernelShape s, PanelPathPlan path)
    {
        PanelRows rows = path.Rows;
        string values = path.Values switch
        {
            RowMajorValues v => $"values {v.Tile.Rows} rows × {v.Tile.Vectors * path.Profile.Width} dims ({v.Tile.Accumulators} accumulators)"
                + (v.Tail is { } tail ? $" + a tail of {tail.Rows} rows × {tail.Vectors * path.Profile.Width} dims" : string.Empty),
            TransposedValues v => $"values Oᵀ {v.TileDims} dims × {rows.Lanes}" + (v.TailDims is { } tail ? $" + a {tail}-dim tail" : string.Empty),
            _ => string.Empty,
        };
        string softmax = path.Keys.Blocks == 1 ? "one pass (all keys in one block)" : $"online over {path.Keys.Blocks} blocks";
        w.Line($"//   {path.Profile.Title,-9} panels of {rows.Lanes} rows ({rows.Vectors} × {path.Profile.VectorType}), "
            + $"scores {path.ScoreTileRows} × {rows.Lanes} ({path.ScoreTileRows * rows.Vectors} accumulators),");
        w.Line($"//             {values},");
        w.Line($"//             key blocks of {path.Keys.Block}: {softmax}, {path.WorkItems(s.KvHeads)} work items, {Scratch(path)}");
        if (path.Values is RowMajorValues { TilesWriteOutput: true })
            w.Line("//             the last block's value tiles write O / sum straight from their registers");
        if (rows.Narrow is { } narrow)
            w.Line($"//             a last panel of at most {path.Profile.Width} rows takes one vector: scores {narrow.TileRows} × {path.Profile.Width}");
        if (rows.Dots is { } dots)
        {
            w.Line($"//             a last panel of {dots.Rows} row(s) scores by dot products over the head dimension "
                + $"({dots.Rows} × {s.HeadDim / path.Profile.Width} FMAs a key)");
        }

        if (path.Source == KeyValueSource.Packed)
            w.Line("//             each key/value head's strided K and V rows are packed into the scratch once per worker");
        if (path.Source == KeyValueSource.Converted)
            w.Line("//             each key/value head's 16-bit K and V rows are converted to float32 into the scratch once per worker");
        WriteSplits(w, path, "each panel's");
    }

    private static void WriteSplits(SourceWriter w, PathPlan path, string whose)
    {
        if (path.Keys.Splits > 1)
        {
            w.Line($"//             split-KV: {whose} keys in {path.Keys.Splits} ranges of {path.Keys.BlocksPerSplit * path.Keys.Block}, "
                + "merged by their softmax statistics");
        }
    }

    private static string Scratch(PathPlan path) =>
        $"scratch {Number(path.Scratch.Floats * 4L)} B {(path.Scratch.OnStack ? "on the stack" : "rented from the array pool")}";
}
