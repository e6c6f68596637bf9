using System;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// One generic tile method (<see cref="TileWriter"/>): its name, which says all that distinguishes it, how a path
/// calls it, and how to render it.
/// </summary>
internal sealed class TileMethod
{
    private readonly Action<SourceWriter> _write;

    private TileMethod(string name, string signature, string arguments, Action<SourceWriter> write)
    {
        Name = name;
        Signature = signature;
        Arguments = arguments;
        _write = write;
    }

    public string Name { get; }

    /// <summary>The parameter list, as the <c>IPanelPath</c> member it implements declares it.</summary>
    public string Signature { get; }

    /// <summary>The arguments a path's member passes on.</summary>
    public string Arguments { get; }

    public void Write(SourceWriter w) => _write(w);

    public static TileMethod Of(TileWriter.Tile tile) =>
        new(tile.Name, tile.Signature, tile.Arguments, w => TileWriter.Write(w, tile));

    public static TileMethod NarrowDots(int rows, int dimVectors) =>
        new(NarrowDotTile.Name(rows, dimVectors), NarrowDotTile.Signature, NarrowDotTile.Arguments,
            w => NarrowDotTile.Write(w, rows, dimVectors));
}
