using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders one <see cref="RowPathPlan"/> as a struct implementing the runtime's <c>IRowPath</c>: only constants, as
/// the runtime's <c>RowDriver</c> needs nothing unrolled.
/// </summary>
internal static class RowPathWriter
{
    public static void Write(SourceWriter w, KernelPlan plan, RowPathPlan path)
    {
        IsaProfile p = path.Profile;
        w.Doc($"<summary>{p.Title} path: {plan.RowsPerKvHead} row(s) per key/value head, the head dimension in {p.Width}-lane vectors, "
            + "keys streamed once per row" + (path.Keys.Splits > 1 ? $", each head's keys split into {path.Keys.Splits} ranges" : string.Empty)
            + ".</summary>");
        using (w.Block($"private readonly struct {path.Name} : IRowPath"))
        {
            w.Line($"public static int KeyBlock => {Int(path.Keys.Block)};");
            if (path.Keys.Splits > 1)
                w.Line($"public static int KeySplits => {Int(path.Keys.Splits)};");
            w.Line($"public static bool ScratchOnStack => {(path.Scratch.OnStack ? "true" : "false")};");
        }
    }
}
