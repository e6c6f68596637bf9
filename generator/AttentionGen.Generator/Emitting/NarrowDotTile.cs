using System.Linq;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// The scores of a narrow last panel of a few rows (ViT's 197 = 6 × 32 + 5), as dot products with the head dimension
/// in lanes: per key, rows × D/width multiply-adds and one <c>SumEach</c> that puts row r's score in lane r, where a
/// one-vector score tile spends D multiply-adds per key on a vector of mostly padding lanes.
/// </summary>
internal static class NarrowDotTile
{
    public const string Name = "ScoreDotsNarrow";

    /// <summary>The queries are the panel's rows, row-major and scaled (<c>PanelTranspose.PackScaledRows</c>); they
    /// are loaded once into locals (the JIT keeps what fits in registers) and every key is read once.</summary>
    public static void Write(SourceWriter w, IsaProfile p, int rows, int headDim)
    {
        int dimVectors = headDim / p.Width;
        w.Line($"/// <summary>Scores of the narrow last panel's {rows} row(s) for <paramref name=\"count\"/> keys, by dot products over the head");
        w.Line($"/// dimension in lanes: Sᵀ[key][r] = K[key] · Q[r] (Q row-major, scaled), lanes from {rows} on 0. {rows} × {dimVectors} multiply-adds a key;");
        w.Line("/// scoreMax = max(scoreMax, each lane's max).</summary>");
        w.Line(Optimize);
        using (w.Block("public static void " + Name + "(ref float keys, int count, ref float queries, ref float scores, ref float scoreMax)"))
        {
            for (int r = 0; r < rows; r++)
            {
                for (int v = 0; v < dimVectors; v++)
                    w.Line($"{p.VectorType} q{r}x{v} = {p.OpsType}.Load(ref queries, {Int(r * headDim + v * p.Width)});");
            }

            w.Line($"{p.VectorType} zero = {p.OpsType}.Broadcast(0f);");
            w.Line($"{p.VectorType} max = {p.OpsType}.Load(ref scoreMax, 0);");
            using (w.Block("for (int j = 0; j < count; j++)"))
            {
                w.Line($"ref float key = ref {Unsafe}.Add(ref keys, j * RowStride);");
                for (int v = 0; v < dimVectors; v++)
                    w.Line($"{p.VectorType} k{v} = {p.OpsType}.Load(ref key, {Int(v * p.Width)});");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"{p.VectorType} s{r} = {p.OpsType}.Multiply(q{r}x0, k0);");
                    for (int v = 1; v < dimVectors; v++)
                        w.Line($"s{r} = {p.OpsType}.MultiplyAdd(q{r}x{v}, k{v}, s{r});");
                }

                string sums = string.Join(", ", Enumerable.Range(0, 8).Select(r => r < rows ? "s" + r : "zero"));
                w.Line($"{p.VectorType} rowScores = {p.OpsType}.SumEach({sums});");
                w.Line($"{p.OpsType}.Store(rowScores, ref scores, j * PanelLanes);");
                w.Line($"max = {p.OpsType}.Max(max, rowScores);");
            }

            w.Line($"{p.OpsType}.Store(max, ref scoreMax, 0);");
        }
    }
}
