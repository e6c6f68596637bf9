using System.Linq;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders register-tiled micro-kernels, fully unrolled for the shape: the only code that must be generated. The same
/// code renders every instruction set; only the profile's names and sizes differ.
/// </summary>
internal static class TileWriter
{
    /// <summary>
    /// A register-tiled micro-kernel: C[rows][vectors·Width] (+)= Σₖ broadcast(A[row·ARowStep + k·AStep]) ·
    /// B[k·BStep + (vectors·Width)], with rows × vectors accumulators.
    /// </summary>
    internal sealed record Tile(string Name, int Rows, int Vectors, string Summary, string Signature, string A, string B,
        string C, string ARowStep, string AStep, string BStep, string CRowStride, string Count, TileStart Start,
        bool WritesOutput = false, bool FoldsMax = false)
    {
        /// <summary>Scores: A = keys, B = Qᵀ, C = Sᵀ, k over HeadDim. The tile folds each lane's max of its scores
        /// into <c>scoreMax</c>.</summary>
        public static Tile Scores(string name, int keys, int vectors) => new(name, keys, vectors,
            $"Scores of {keys} key{(keys > 1 ? "s" : string.Empty)} against the panel: Sᵀ[{keys}][PanelLanes] = K[{keys}][HeadDim] · Qᵀ[HeadDim][PanelLanes]; scoreMax = max(scoreMax, each lane's max).",
            "ref float keys, ref float queries, ref float scores, ref float scoreMax", "keys", "queries", "scores",
            "RowStride", "1", "PanelLanes", "PanelLanes", "HeadDim", TileStart.Zero, FoldsMax: true);

        /// <summary>Values into a transposed accumulator: A = Vᵀ (dims), B = P, C = Oᵀ, k over the keys.</summary>
        public static Tile TransposedValues(string name, int dims, int vectors) => new(name, dims, vectors,
            $"Adds {dims} head dimension{(dims > 1 ? "s" : string.Empty)} of Vᵀ·P to the panel's accumulator: Oᵀ[{dims}][PanelLanes] += Vᵀ[{dims}][count] · P[count][PanelLanes].",
            "ref float values, ref float probabilities, ref float accumulator, int count", "values", "probabilities", "accumulator",
            "1", "RowStride", "PanelLanes", "PanelLanes", "count", TileStart.Accumulator);

        /// <summary>Values into a row-major accumulator: A = P (query rows), B = V, C = O, k over the keys. The panel's
        /// first block starts from zero instead of reading a cleared accumulator. With <paramref name="writesOutput"/>,
        /// the last block's tiles write their rows to the output, times <c>factors</c> (1/sum), instead of to the
        /// accumulator.</summary>
        public static Tile RowMajorValues(string name, int rows, int vectors, string dims, bool writesOutput) => new(name, rows, vectors,
            $"Adds P·V for {rows} query row{(rows > 1 ? "s" : string.Empty)} and {vectors} vector{(vectors > 1 ? "s" : string.Empty)} of head dimensions: O[{rows}][{dims}] = O · rescale + P[{rows}][count] · V[count][{dims}] (O = P·V in the first block"
                + (writesOutput ? "; with writeOutput, output[outputRows[r]] = O[r] · factors[r] instead)." : ")."),
            "ref float probabilities, ref float values, ref float accumulator, int count, bool firstBlock, ref float rescale,\n"
                + "    bool writeOutput, ref float output, ref int outputRows, ref float factors",
            "probabilities", "values", "accumulator",
            "1", "PanelLanes", "RowStride", "HeadDim", "count", TileStart.AccumulatorAfterFirstBlock, writesOutput);
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

    public static void Write(SourceWriter w, IsaProfile p, Tile tile)
    {
        w.Doc($"<summary>{tile.Summary} {tile.Rows * tile.Vectors} accumulators.</summary>");
        w.Line(Optimize);
        using (w.Block($"public static void {tile.Name}({tile.Signature})"))
        {
            WriteStart(w, p, tile);
            WriteProducts(w, p, tile);
            WriteEnd(w, p, tile);
        }
    }

    /// <summary>The accumulators' starting values.</summary>
    private static void WriteStart(SourceWriter w, IsaProfile p, Tile tile)
    {
        for (int r = 0; r < tile.Rows; r++)
        {
            if (tile.Start == TileStart.Accumulator)
            {
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"{p.VectorType} c{r}x{v} = {p.OpsType}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)});");
            }
            else
            {
                w.Line($"{p.VectorType} " + string.Join(", ", Enumerable.Range(0, tile.Vectors).Select(v => $"c{r}x{v} = default")) + ";");
            }
        }

        if (tile.Start != TileStart.AccumulatorAfterFirstBlock)
            return;
        w.Line();
        using (w.Block("if (!firstBlock)"))
        {
            for (int r = 0; r < tile.Rows; r++)
            {
                w.Line($"{(r == 0 ? p.VectorType + " " : string.Empty)}alpha = {p.OpsType}.Broadcast({Unsafe}.Add(ref rescale, {r}));");
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"c{r}x{v} = {p.OpsType}.Multiply({p.OpsType}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)}), alpha);");
            }
        }

        w.Line();
    }

    /// <summary>The reduction loop: per step, the B vectors once and a broadcast of A per row.</summary>
    private static void WriteProducts(SourceWriter w, IsaProfile p, Tile tile)
    {
        w.Line($"ref float a = ref {tile.A};");
        w.Line($"ref float b = ref {tile.B};");
        using (w.Block($"for (int k = 0; k < {tile.Count}; k++)"))
        {
            for (int v = 0; v < tile.Vectors; v++)
                w.Line($"{p.VectorType} b{v} = {p.OpsType}.Load(ref b, {Offset(0, null, v)});");
            for (int r = 0; r < tile.Rows; r++)
            {
                w.Line($"{(r == 0 ? p.VectorType + " " : string.Empty)}x = {p.OpsType}.Broadcast({Unsafe}.Add(ref a, {Offset(r, tile.ARowStep, -1)}));");
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"c{r}x{v} = {p.OpsType}.MultiplyAdd(x, b{v}, c{r}x{v});");
            }

            w.Line($"a = ref {Unsafe}.Add(ref a, {tile.AStep});");
            w.Line($"b = ref {Unsafe}.Add(ref b, {tile.BStep});");
        }
    }

    /// <summary>Where the accumulators go: the output rows (last block of a tile that writes it), or C, and the
    /// score tiles' lane maxima.</summary>
    private static void WriteEnd(SourceWriter w, IsaProfile p, Tile tile)
    {
        string ops = p.OpsType;
        if (tile.WritesOutput)
        {
            w.Line();
            using (w.Block("if (writeOutput)"))
            {
                for (int r = 0; r < tile.Rows; r++)
                {
                    w.Line($"{(r == 0 ? p.VectorType + " " : string.Empty)}factor = {ops}.Broadcast({Unsafe}.Add(ref factors, {r}));");
                    w.Line($"{(r == 0 ? "ref float " : string.Empty)}row = ref {Unsafe}.Add(ref output, {Unsafe}.Add(ref outputRows, {r}));");
                    for (int v = 0; v < tile.Vectors; v++)
                        w.Line($"{ops}.Store({ops}.Multiply(c{r}x{v}, factor), ref row, {Offset(0, null, v)});");
                }

                w.Line("return;");
            }

            w.Line();
        }

        for (int r = 0; r < tile.Rows; r++)
        {
            for (int v = 0; v < tile.Vectors; v++)
                w.Line($"{ops}.Store(c{r}x{v}, ref {tile.C}, {Offset(r, tile.CRowStride, v)});");
        }

        if (!tile.FoldsMax)
            return;
        w.Line();
        w.Line("// Each lane's max of these scores, folded into the block's: the softmax then needs no pass for it.");
        for (int v = 0; v < tile.Vectors; v++)
        {
            string max = MaxTree(w, p, 0, tile.Rows, v);
            w.Line($"{ops}.Store({ops}.Max({ops}.Load(ref scoreMax, {Offset(0, null, v)}), {max}), ref scoreMax, {Offset(0, null, v)});");
        }
    }

    /// <summary>Writes the max of accumulators c{first}x{vector} … c{first + count − 1}x{vector} as a balanced tree of
    /// statements (a chain would wait on each max's latency in turn) and returns the name holding it.</summary>
    private static string MaxTree(SourceWriter w, IsaProfile p, int first, int count, int vector)
    {
        if (count == 1)
            return $"c{first}x{vector}";
        string left = MaxTree(w, p, first, count / 2, vector), right = MaxTree(w, p, first + count / 2, count - count / 2, vector);
        string name = $"max{first}to{first + count - 1}x{vector}";
        w.Line($"{p.VectorType} {name} = {p.OpsType}.Max({left}, {right});");
        return name;
    }

    /// <summary>Offset <c>row · rowStep + vector · Width</c>, written as readably as the values allow.</summary>
    private static string Offset(int row, string? rowStep, int vector)
    {
        string rowPart = row == 0 || rowStep is null ? string.Empty : rowStep == "1" ? Int(row) : $"{row} * {rowStep}";
        string vectorPart = vector <= 0 ? string.Empty : vector == 1 ? "Width" : $"{vector} * Width";
        if (rowPart.Length == 0 && vectorPart.Length == 0)
            return "0";
        if (rowPart.Length == 0 || vectorPart.Length == 0)
            return rowPart + vectorPart;
        return rowPart + " + " + vectorPart;
    }
}
