using System.Collections.Generic;
using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders one <see cref="PanelPathPlan"/> as a struct implementing the runtime's <c>IPanelPath</c>: the plan's
/// constants, and members that call the generic register tiles it uses, from the runtime's <see cref="TileCatalog"/>
/// or, for tiles the catalogue lacks, from the kernel's own (<see cref="KernelEmitter"/>). The runtime's
/// <c>PanelDriver</c> runs it.
/// </summary>
internal static class PanelPathWriter
{
    /// <summary>The kernel's own tiles, a nested class of its implementation.</summary>
    public const string LocalTiles = "LocalTiles";

    public static void Write(SourceWriter w, KernelShape shape, PanelPathPlan path)
    {
        IsaProfile p = path.Profile;
        w.Doc($"<summary>{p.Title} path: panels of {path.Rows.Lanes} query rows in {path.Rows.Vectors} × {p.Width}-lane vectors, "
            + $"{path.ScoreTileRows}-key score tiles.</summary>");
        using (w.Block($"private readonly struct {path.Name} : IPanelPath"))
        {
            WriteConstants(w, shape, path);
            foreach ((string member, TileMethod tile) in Tiles(shape, path))
            {
                string owner = TileCatalog.Contains(tile.Name) ? TileCatalog.TypeName : LocalTiles;
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Lines($"public static void {member}({tile.Signature}) =>");
                string call = $"    {owner}.{tile.Name}<{p.OpsType}, {p.VectorType}, Shape, {path.Name}>(";
                w.Lines(call.Length + tile.Arguments.Length < 140 ? call + tile.Arguments + ");" : $"{call}\n        {tile.Arguments});");
            }
        }
    }

    /// <summary>The tiles a path uses, each with the <c>IPanelPath</c> member that calls it.</summary>
    public static IEnumerable<(string Member, TileMethod Tile)> Tiles(KernelShape shape, PanelPathPlan path)
    {
        yield return ("ScoreTile", TileMethod.Of(TileWriter.Tile.Scores(path.ScoreTileRows, path.Rows.Vectors)));
        if (path.Rows.Narrow is { } narrow)
            yield return ("ScoreTileNarrow", TileMethod.Of(TileWriter.Tile.Scores(narrow.TileRows, 1)));
        if (path.Rows.Dots is { } dots)
            yield return ("ScoreDotsNarrow", TileMethod.NarrowDots(dots.Rows, shape.HeadDim / path.Profile.Width));

        switch (path.Values)
        {
            case RowMajorValues rowMajor:
                yield return ("ValueTile", TileMethod.Of(TileWriter.Tile.RowMajorValues(rowMajor.Tile.Rows, rowMajor.Tile.Vectors)));
                if (rowMajor.Tail is { } tail)
                    yield return ("ValueTail", TileMethod.Of(TileWriter.Tile.RowMajorValues(tail.Rows, tail.Vectors)));
                break;
            case TransposedValues transposed:
                if (shape.HeadDim >= transposed.TileDims)
                    yield return ("TransposedValueTile", TileMethod.Of(TileWriter.Tile.TransposedValues(transposed.TileDims, path.Rows.Vectors)));
                if (transposed.TailDims is { } tailDims)
                    yield return ("TransposedValueTail", TileMethod.Of(TileWriter.Tile.TransposedValues(tailDims, path.Rows.Vectors)));
                break;
        }
    }

    private static void WriteConstants(SourceWriter w, KernelShape shape, PanelPathPlan path)
    {
        w.Line(path.Source != KeyValueSource.InPlace
            ? "/// <summary>Elements between K (and V) rows as the tiles read them: packed per head into the scratch.</summary>"
            : "/// <summary>Elements between K (and V) rows as the tiles read them: in place.</summary>");
        Property(w, "int", "RowStride", path.Source != KeyValueSource.InPlace ? shape.HeadDim : shape.KvRowStride);
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
}
