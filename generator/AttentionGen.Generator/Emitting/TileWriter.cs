using System.Linq;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders register-tiled micro-kernels, unrolled over their rows × vectors of accumulators: the only code that must be
/// generated. A tile is a generic method over the instruction set (<c>TOps</c>, <c>TVector</c>), the shape
/// (<c>TShape</c>: the head dimension) and the path (<c>TPath</c>: its panel's lanes and the K/V row stride), all
/// JIT-time constants, so one rendering serves every instruction set and every kernel that tiles the same way
/// (<see cref="TileCatalog"/>).
/// </summary>
internal static class TileWriter
{
    /// <summary>
    /// A register-tiled micro-kernel: C[rows][vectors·Width] (+)= Σₖ broadcast(A[row·ARowStep + k·AStep]) ·
    /// B[k·BStep + (vectors·Width)], with rows × vectors accumulators.
    /// </summary>
    internal sealed record Tile(string Kind, int Rows, int Vectors, string Summary, string Signature, string Arguments, string A,
        string B, string C, string ARowStep, string AStep, string BStep, string CRowStride, string Count, TileStart Start,
        bool WritesOutput = false, bool FoldsMax = false)
    {
        /// <summary>The method's name, which says everything that distinguishes one tile from another.</summary>
        public string Name => $"{Kind}{Rows}x{Vectors}";

        /// <summary>Scores: A = keys, B = Qᵀ, C = Sᵀ, k over HeadDim. The tile folds each lane's max of its scores
        /// into <c>scoreMax</c>.</summary>
        public static Tile Scores(int keys, int vectors) => new("Scores", keys, vectors,
            $"Scores of {keys} key{(keys > 1 ? "s" : string.Empty)} against {vectors} vector{(vectors > 1 ? "s" : string.Empty)} of a panel's rows: Sᵀ[{keys}][PanelLanes] = K[{keys}][HeadDim] · Qᵀ[HeadDim][PanelLanes]; scoreMax = max(scoreMax, each lane's max).",
            "ref float keys, ref float queries, ref float scores, ref float scoreMax", "ref keys, ref queries, ref scores, ref scoreMax",
            "keys", "queries", "scores", RowStride, "1", PanelLanes, PanelLanes, HeadDim, TileStart.Zero, FoldsMax: true);

        /// <summary>Values into a transposed accumulator: A = Vᵀ (dims), B = P, C = Oᵀ, k over the keys.</summary>
        public static Tile TransposedValues(int dims, int vectors) => new("TransposedValues", dims, vectors,
            $"Adds {dims} head dimension{(dims > 1 ? "s" : string.Empty)} of Vᵀ·P to the panel's accumulator: Oᵀ[{dims}][PanelLanes] += Vᵀ[{dims}][count] · P[count][PanelLanes].",
            "ref float values, ref float probabilities, ref float accumulator, int count", "ref values, ref probabilities, ref accumulator, count",
            "values", "probabilities", "accumulator", "1", RowStride, PanelLanes, PanelLanes, "count", TileStart.Accumulator);

        /// <summary>Values into a row-major accumulator: A = P (query rows), B = V, C = O, k over the keys. The panel's
        /// first block starts from zero instead of reading a cleared accumulator. With <c>writeOutput</c> (the last
        /// block, unless the keys are split), the tile writes its rows to the output, times <c>factors</c> (1/sum),
        /// instead of to the accumulator.</summary>
        public static Tile RowMajorValues(int rows, int vectors) => new("RowMajorValues", rows, vectors,
            $"Adds P·V for {rows} query row{(rows > 1 ? "s" : string.Empty)} and {vectors} vector{(vectors > 1 ? "s" : string.Empty)} of head dimensions: O[{rows}][{vectors}·Width] = O · rescale + P[{rows}][count] · V[count][{vectors}·Width] (O = P·V in the first block; with writeOutput, output[outputRows[r]] = O[r] · factors[r] instead).",
            "ref float probabilities, ref float values, ref float accumulator, int count, bool firstBlock, ref float rescale,\n"
                + "    bool writeOutput, ref float output, ref int outputRows, ref float factors",
            "ref probabilities, ref values, ref accumulator, count, firstBlock, ref rescale, writeOutput, ref output, ref outputRows, ref factors",
            "probabilities", "values", "accumulator",
            "1", PanelLanes, RowStride, HeadDim, "count", TileStart.AccumulatorAfterFirstBlock, WritesOutput: true);
    }

    /// <summary>What a tile's accumulators hold before its first product.</summary>
    internal enum TileStart
    {
        /// <summary>Zero: the tile writes its result over C.</summary>
        Zero,

        /// <summary>C as it is: the tile adds to it.</summary>
        Accumulator,

        /// <summary>Zero in the panel's first key block (the caller's <c>firstBlock</c>), after it C with each row
        /// times its online-softmax factor (<c>rescale</c>).</summary>
        AccumulatorAfterFirstBlock,
    }

    public const string Ops = "TOps", Vector = "TVector", Width = "TOps.Width";
    public const string RowStride = "TPath.RowStride", PanelLanes = "TPath.PanelLanes", HeadDim = "TShape.HeadDim";

    /// <summary>The type parameters and constraints every tile carries.</summary>
    public const string TypeParameters = "<TOps, TVector, TShape, TPath>";

    public static readonly string[] Constraints =
    {
        "where TOps : struct, IVectorOps<TVector>",
        "where TVector : struct",
        "where TShape : struct, IKernelShape",
        "where TPath : struct, IPanelPath",
    };

    /// <summary>A tile method's declaration: name, type parameters, parameters and constraints.</summary>
    public static string Header(string name, string signature) =>
        $"public static void {name}{TypeParameters}(\n    {signature})\n" + string.Join("\n", Constraints.Select(c => "    " + c));

    public static void Write(SourceWriter w, Tile tile)
    {
        w.Doc($"<summary>{tile.Summary} {tile.Rows * tile.Vectors} accumulators.</summary>");
        w.Line(Optimize);
        using (w.Block(Header(tile.Name, tile.Signature)))
        {
            WriteStart(w, tile);
            WriteProducts(w, tile);
            WriteEnd(w, tile);
        }
    }

    /// <summary>The accumulators' starting values.</summary>
    private static void WriteStart(SourceWriter w, Tile tile)
    {
        for (int r = 0; r < tile.Rows; r++)
        {
            if (tile.Start == TileStart.Accumulator)
            {
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"{Vector} c{r}x{v} = {Ops}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)});");
            }
            else
            {
                w.Line($"{Vector} " + string.Join(", ", Enumerable.Range(0, tile.Vectors).Select(v => $"c{r}x{v} = default")) + ";");
            }
        }

        if (tile.Start != TileStart.AccumulatorAfterFirstBlock)
            return;
        w.Line();
        using (w.Block("if (!firstBlock)"))
        {
            for (int r = 0; r < tile.Rows; r++)
            {
                w.Line($"{(r == 0 ? Vector + " " : string.Empty)}alpha = {Ops}.Broadcast({Unsafe}.Add(ref rescale, {r}));");
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"c{r}x{v} = {Ops}.Multiply({Ops}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)}), alpha);");
            }
        }

        w.Line();
    }

    /// <summary>The reduction loop: per step, the B vectors once and a broadcast of A per row.</summary>
    private static void WriteProducts(SourceWriter w, Tile tile)
    {
        w.Line($"ref float a = ref {tile.A};");
        w.Line($"ref float b = ref {tile.B};");
        using (w.Block($"for (int k = 0; k < {tile.Count}; k++)"))
        {
            for (int v = 0; v < tile.Vectors; v++)
                w.Line($"{Vector} b{v} = {Ops}.Load(ref b, {Offset(0, null, v)});");
            for (int r = 0; r < tile.Rows; r++)
            {
                w.Line($"{(r == 0 ? Vector + " " : string.Empty)}x = {Ops}.Broadcast({Unsafe}.Add(ref a, {Offset(r, tile.ARowStep, -1)}));");
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"c{r}x{v} = {Ops}.MultiplyAdd(x, b{v}, c{r}x{v});");
            }

            w.Line($"a = ref {Unsafe}.Add(ref a, {tile.AStep});");
            w.Line($"b = ref {Unsafe}.Add(ref b, {tile.BStep});");
        }
    }

    /// <summary>Where the accumulators go: the output rows (last block of a tile that writes it), or C, and the
    /// score tiles' lane maxima.</summary>
    private static void WriteEnd(SourceWriter w, Tile tile)
    {
        if (tile.WritesOutput)
        {
            w.Line();
            using (w.Block("if (writeOutput)"))
            {
                for (int r = 0; r < tile.Rows; r++)
                {
                    w.Line($"{(r == 0 ? Vector + " " : string.Empty)}factor = {Ops}.Broadcast({Unsafe}.Add(ref factors, {r}));");
                    w.Line($"{(r == 0 ? "ref float " : string.Empty)}row = ref {Unsafe}.Add(ref output, {Unsafe}.Add(ref outputRows, {r}));");
                    for (int v = 0; v < tile.Vectors; v++)
                        w.Line($"{Ops}.Store({Ops}.Multiply(c{r}x{v}, factor), ref row, {Offset(0, null, v)});");
                }

                w.Line("return;");
            }

            w.Line();
        }

        for (int r = 0; r < tile.Rows; r++)
        {
            for (int v = 0; v < tile.Vectors; v++)
                w.Line($"{Ops}.Store(c{r}x{v}, ref {tile.C}, {Offset(r, tile.CRowStride, v)});");
        }

        if (!tile.FoldsMax)
            return;
        w.Line();
        w.Line("// Each lane's max of these scores, folded into the block's: the softmax then needs no pass for it.");
        for (int v = 0; v < tile.Vectors; v++)
        {
            string max = MaxTree(w, 0, tile.Rows, v);
            w.Line($"{Ops}.Store({Ops}.Max({Ops}.Load(ref scoreMax, {Offset(0, null, v)}), {max}), ref scoreMax, {Offset(0, null, v)});");
        }
    }

    /// <summary>Writes the max of accumulators c{first}x{vector} … c{first + count − 1}x{vector} as a balanced tree of
    /// statements (a chain would wait on each max's latency in turn) and returns the name holding it.</summary>
    private static string MaxTree(SourceWriter w, int first, int count, int vector)
    {
        if (count == 1)
            return $"c{first}x{vector}";
        string left = MaxTree(w, first, count / 2, vector), right = MaxTree(w, first + count / 2, count - count / 2, vector);
        string name = $"max{first}to{first + count - 1}x{vector}";
        w.Line($"{Vector} {name} = {Ops}.Max({left}, {right});");
        return name;
    }

    /// <summary>Offset <c>row · rowStep + vector · Width</c>, written as readably as the values allow.</summary>
    internal static string Offset(int row, string? rowStep, int vector)
    {
        string rowPart = row == 0 || rowStep is null ? string.Empty : rowStep == "1" ? Int(row) : $"{row} * {rowStep}";
        string vectorPart = vector <= 0 ? string.Empty : vector == 1 ? Width : $"{vector} * {Width}";
        if (rowPart.Length == 0 && vectorPart.Length == 0)
            return "0";
        if (rowPart.Length == 0 || vectorPart.Length == 0)
            return rowPart + vectorPart;
        return rowPart + " + " + vectorPart;
    }
}
