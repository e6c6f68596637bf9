using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders one <see cref="PanelPathPlan"/> as a struct implementing the runtime's <c>IPanelPath</c>: the plan's
/// constants and the register tiles it uses. The runtime's <c>PanelDriver</c> runs it.
/// </summary>
internal static class PanelPathWriter
{
    public static void Write(SourceWriter w, KernelShape shape, PanelPathPlan path)
    {
        IsaProfile p = path.Profile;
        w.Doc($"<summary>{p.Title} path: panels of {path.Rows.Lanes} query rows in {path.Rows.Vectors} × {p.Width}-lane vectors, "
            + $"{path.ScoreTileRows}-key score tiles.</summary>");
        using (w.Block($"private readonly struct {path.Name} : IPanelPath"))
        {
            WriteConstants(w, shape, path);
            WriteTiles(w, shape, path);
        }
    }

    private static void WriteConstants(SourceWriter w, KernelShape shape, PanelPathPlan path)
    {
        w.Line($"private const int Width = {path.Profile.Width};");
        w.Line(path.Source != KeyValueSource.InPlace
            ? "/// <summary>Elements between K (and V) rows as the tiles read them: packed per head into the scratch.</summary>"
            : "/// <summary>Elements between K (and V) rows as the tiles read them: in place.</summary>");
        w.Line($"private const int RowStride = {Int(path.Source != KeyValueSource.InPlace ? shape.HeadDim : shape.KvRowStride)};");
        Property(w, "int", "PanelLanes", path.Rows.Lanes);
        Property(w, "int", "TileRows", path.ScoreTileRows);
        Property(w, "int", "KeyBlock", path.Keys.Block);
        if (path.Keys.Splits > 1)
            Property(w, "int", "KeySplits", path.Keys.Splits);
        if (path.Source != KeyValueSource.InPlace)
            w.Line("public static bool PackKeyValues => true;");
        w.Line($"public static bool ScratchOnStack => {(path.Scratch.OnStack ? "true" : "false")};");
        if (path.Rows.Narrow is { } narrow)
            Property(w, "int", "NarrowTileRows", narrow.TileRows);
        if (path.Rows.Dots is { } dots)
            Property(w, "int", "NarrowDotRows", dots.Rows);

        switch (path.Values)
        {
            case RowMajorValues rowMajor:
                w.Line("public static AccumulatorLayout Accumulator => AccumulatorLayout.RowMajor;");
                Property(w, "int", "ValueRows", rowMajor.Tile.Rows);
                Property(w, "int", "ValueDims", rowMajor.Tile.Vectors * path.Profile.Width);
                if (rowMajor.Tail is { } tail)
                {
                    Property(w, "int", "ValueTailRows", tail.Rows);
                    Property(w, "int", "ValueTailDims", tail.Vectors * path.Profile.Width);
                }

                break;
            case TransposedValues transposed:
                w.Line("public static AccumulatorLayout Accumulator => AccumulatorLayout.Transposed;");
                if (transposed.TailDims is { } tailDims)
                    Property(w, "int", "TransposedTailDims", tailDims);
                break;
        }
    }

    private static void Property(SourceWriter w, string type, string name, int value) =>
        w.Line($"public static {type} {name} => {Int(value)};");

    private static void WriteTiles(SourceWriter w, KernelShape shape, PanelPathPlan path)
    {
        IsaProfile p = path.Profile;
        w.Line();
        TileWriter.Write(w, p, TileWriter.Tile.Scores("ScoreTile", path.ScoreTileRows, path.Rows.Vectors));

        if (path.Rows.Narrow is { } narrow)
        {
            w.Line();
            TileWriter.Write(w, p, TileWriter.Tile.Scores("ScoreTileNarrow", narrow.TileRows, 1));
        }

        if (path.Rows.Dots is { } dots)
        {
            w.Line();
            NarrowDotTile.Write(w, p, dots.Rows, shape.HeadDim);
        }

        switch (path.Values)
        {
            case RowMajorValues rowMajor:
                w.Line();
                TileWriter.Write(w, p, TileWriter.Tile.RowMajorValues("ValueTile", rowMajor.Tile.Rows, rowMajor.Tile.Vectors, "ValueDims",
                    rowMajor.TilesWriteOutput));
                if (rowMajor.Tail is { } tail)
                {
                    w.Line();
                    TileWriter.Write(w, p, TileWriter.Tile.RowMajorValues("ValueTail", tail.Rows, tail.Vectors, "ValueTailDims",
                        rowMajor.TilesWriteOutput));
                }

                break;
            case TransposedValues transposed:
                if (shape.HeadDim >= transposed.TileDims)
                {
                    w.Line();
                    TileWriter.Write(w, p, TileWriter.Tile.TransposedValues("TransposedValueTile", transposed.TileDims, path.Rows.Vectors));
                }

                if (transposed.TailDims is { } tailDims)
                {
                    w.Line();
                    TileWriter.Write(w, p, TileWriter.Tile.TransposedValues("TransposedValueTail", tailDims, path.Rows.Vectors));
                }

                break;
        }
    }
}
