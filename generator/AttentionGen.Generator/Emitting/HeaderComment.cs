using System.Linq;
using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>The comment at the top of a generated kernel: the shape, the work, and each path's plan.</summary>
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
        w.Line($"// Work     {Number(plan.FlopsPerCall)} FLOPs per call at kvLength = T (4·D per allowed query-key pair), {Number(plan.ExpPerCall)} exp");
        w.Line("//");
        w.Line("// Plan     The query rows of one key/value head (all heads of a group, interleaved) are cut into");
        w.Line("//          panels held in vector lanes. Per panel: pack Qᵀ·Scale·log2(e); for each block of keys:");
        w.Line("//            1. scores  Sᵀ = K·Qᵀ   register tiles of TileRows keys × the panel's lanes, folding each lane's max");
        w.Line("//            2. softmax           mask, running max, 2^(s − max), running sum, rescale (runtime OnlineSoftmax)");
        w.Line("//            3. values  O += P·V    register tiles of rows × head-dimension vectors (row-major O), or,");
        w.Line("//                                 when D is not a multiple of the width, Oᵀ += Vᵀ·P in tiles of dims × lanes");
        w.Line(plan.Paths.Any(path => path.PackKeyValues)
            ? "//          then write O / sum. K and V are packed per head (below) or read in place; scores stay in the scratch."
            : "//          then write O / sum. K and V are read in place; scores never leave the scratch.");
        if (s.Causal)
            w.Line("//          Causal: key blocks past a panel's last row are skipped; only the diagonal is masked.");
        if (plan.Paths.Any(path => path.ValueTilesWriteOutput))
            w.Line("//          A row-major O leaves from the last block's value tiles: O / sum, straight from their registers.");
        w.Line("//");
        w.Line("// Paths    (Forward takes the first the machine supports)");
        foreach (PathPlan path in plan.Paths)
        {
            if (path.Strategy == KernelStrategy.Rows)
            {
                w.Line($"//   {path.Profile.Title,-9} rows: {plan.RowsPerKvHead} row(s) per key/value head is under half a {path.Profile.VectorType}, so the head");
                w.Line($"//             dimension takes the lanes and each row streams its keys (runtime RowAttention), blocks of {path.KeyBlock}"
                    + $" keys, {path.WorkItems(s.KvHeads)} work items, scratch {Number(path.ScratchFloats * 4L)} B {(path.ScratchOnStack ? "on the stack" : "rented from the array pool")}");
                if (path.KeySplits > 1)
                    w.Line($"//             split-KV: each key/value head's keys in {path.KeySplits} ranges of {path.BlocksPerSplit * path.KeyBlock}, merged by their softmax statistics");
                continue;
            }

            string softmax = path.KeyBlocks == 1 ? "one pass (all keys in one block)" : $"online over {path.KeyBlocks} blocks";
            string values = path.RowMajorAccumulator
                ? $"values {path.ValueRows} rows × {path.ValueVectors * path.Profile.Width} dims ({path.ValueRows * path.ValueVectors} accumulators)"
                    + (path.ValueLaneTail > 0 ? $" + a tail of {path.ValueLaneTail} rows × {path.ValueTailVectors * path.Profile.Width} dims" : string.Empty)
                : $"values Oᵀ {path.TileRows} dims × {path.PanelLanes}" + (path.ValueTailRows > 0 ? $" + a {path.ValueTailRows}-dim tail" : string.Empty);
            string scratch = path.ScratchOnStack ? "on the stack" : "rented from the array pool";
            w.Line($"//   {path.Profile.Title,-9} panels of {path.PanelLanes} rows ({path.PanelVectors} × {path.Profile.VectorType}), "
                + $"scores {path.TileRows} × {path.PanelLanes} ({path.TileRows * path.PanelVectors} accumulators), {values},");
            w.Line($"//             key blocks of {path.KeyBlock}: {softmax}, {path.WorkItems(s.KvHeads)} work items, scratch {Number(path.ScratchFloats * 4L)} B {scratch}");
            if (path.NarrowDotRows > 0)
                w.Line($"//             the last panel's {path.NarrowDotRows} row(s) take one vector: scores by dot products over the head dimension in lanes ({path.NarrowDotRows} × {s.HeadDim / path.Profile.Width} FMAs a key)");
            else if (path.NarrowTileRows > 0)
                w.Line($"//             the last panel's {plan.RowsPerKvHead % path.PanelLanes} row(s) take one vector: scores {path.NarrowTileRows} × {path.Profile.Width} ({path.NarrowTileRows} accumulators)");
            if (path.PackKeyValues)
                w.Line("//             each key/value head's strided K and V rows are packed into the scratch once per worker, for all its panels");
            if (path.KeySplits > 1)
                w.Line($"//             split-KV: each panel's keys in {path.KeySplits} ranges of {path.BlocksPerSplit * path.KeyBlock}, merged by their softmax statistics");
        }

        foreach (IsaProfile profile in IsaProfile.All)
        {
            if (!plan.Paths.Any(path => path.Profile == profile))
                w.Line($"//   {profile.Title,-9} not emitted: the target framework has no {profile.RequiredType}");
        }

        w.Line();
    }
}
