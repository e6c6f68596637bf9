using System.Linq;
using static AttentionGen.Generator.Emitting.Formatting;
using static AttentionGen.Generator.Emitting.TileWriter;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// The scores of a narrow last panel of a few rows (ViT's 197 = 6 × 32 + 5), as dot products with the head dimension
/// in lanes: per key, rows × D/width multiply-adds and one <c>SumEach</c> that puts row r's score in lane r, where a
/// one-vector score tile spends D multiply-adds per key on a vector of mostly padding lanes. Unrolled over the rows and
/// the head dimension's vectors, it is generic like the other tiles (<see cref="TileWriter"/>).
/// </summary>
internal static class NarrowDotTile
{
    public const string Signature = "ref float keys, int count, ref float queries, ref float scores, ref float scoreMax";

    public const string Arguments = "ref keys, count, ref queries, ref scores, ref scoreMax";

    /// <summary>The tile for <paramref name="rows"/> rows and a head dimension of <paramref name="dimVectors"/> vectors.</summary>
    public static string Name(int rows, int dimVectors) => $"ScoreDots{rows}x{dimVectors}";

    /// <summary>The queries are the panel's rows, row-major and scaled (<c>PanelTranspose.PackScaledRows</c>); they
    /// are loaded once into locals (the JIT keeps what fits in registers) and every key is read once.</summary>
    public static void Write(SourceWriter w, int rows, int dimVectors)
    {
        w.Line($"/// <summary>Scores of a narrow last panel's {rows} row(s) for <paramref name=\"count\"/> keys, by dot products over a head");
        w.Line($"/// dimension of {dimVectors} vectors in lanes: Sᵀ[key][r] = K[key] · Q[r] (Q row-major, scaled), lanes from {rows} on 0;");
        w.Line("/// scoreMax = max(scoreMax, each lane's max).</summary>");
        w.Line(Optimize);
        using (w.Block(Header(Name(rows, dimVectors), Signature)))
        {
            for (int r = 0; r < rows; r++)
            {
                for (int v = 0; v < dimVectors; v++)
                    w.Line($"{Vector} q{r}x{v} = {Ops}.Load(ref queries, {Offset(r, HeadDim, v)});");
            }

            w.Line($"{Vector} zero = {Ops}.Broadcast(0f);");
            w.Line($"{Vector} max = {Ops}.Load(ref scoreMax, 0);");
            using (w.Block("for (int j = 0; j < count; j++)"))
            {
                w.Line($"ref float key = ref {Unsafe}.Add(ref keys, j * {RowStride});");
                for (int v = 0; v < dimVectors; v++)
                    w.Line($"{Vector} k{v} = {Ops}.Load(ref key, {Offset(0, null, v)});");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"{Vector} s{r} = {Ops}.Multiply(q{r}x0, k0);");
                    for (int v = 1; v < dimVectors; v++)
                        w.Line($"s{r} = {Ops}.MultiplyAdd(q{r}x{v}, k{v}, s{r});");
                }

                string sums = string.Join(", ", Enumerable.Range(0, 8).Select(r => r < rows ? "s" + r : "zero"));
                w.Line($"{Vector} rowScores = {Ops}.SumEach({sums});");
                w.Line($"{Ops}.Store(rowScores, ref scores, j * {PanelLanes});");
                w.Line($"max = {Ops}.Max(max, rowScores);");
            }

            w.Line($"{Ops}.Store(max, ref scoreMax, 0);");
        }
    }
}
