using System.Collections.Immutable;
using System.Linq;
using AttentionGen.Generator.Emitting;
using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>The planner's choices, checked directly on the plan.</summary>
public class PlanTests
{
    private static KernelSpec Spec(int seqLen, int kvLen, int heads, int kvHeads, int headDim, bool causal = false,
        TensorLayout layout = TensorLayout.HeadMajor) =>
        new(null, EquatableArray<TypeDeclaration>.Empty, new TypeDeclaration("class", "K", string.Empty),
            new KernelShape(seqLen, kvLen, heads, kvHeads, headDim, causal, 0.125f, false, layout));

    private static readonly TargetInfo AllPaths = new(new EquatableArray<string>(ImmutableArray.Create("Avx512", "Avx2", "Neon", "Scalar")));

    [Fact]
    public void PathsMissingFromTheTargetFrameworkAreNotEmittedAndTheHeaderSaysSo()
    {
        var target = new TargetInfo(new EquatableArray<string>(ImmutableArray.Create("Avx2", "Neon", "Scalar")));
        KernelPlan plan = KernelPlanner.Plan(Spec(16, 16, 2, 2, 32), target);
        Assert.Equal(new[] { "Avx2", "Neon", "Scalar" }, plan.Paths.Select(p => p.Profile.Path));
        string source = KernelEmitter.Emit(plan);
        Assert.Contains("AVX-512   not emitted", source);
        Assert.DoesNotContain("struct Avx512Path", source);
    }

    [Fact]
    public void DecodingPutsTheHeadDimensionInTheLanes()
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(1, 4096, 8, 8, 128), AllPaths);
        Assert.All(plan.Paths.Where(p => p.Profile.Width > 1), p => Assert.IsType<RowPathPlan>(p));
        Assert.IsType<PanelPathPlan>(plan.Paths.Single(p => p.Profile.Width == 1));
        Assert.Contains("RowDriver.Run<Avx512Ops, Vector512<float>, Shape, Avx512Path>", KernelEmitter.Emit(plan));
    }

    [Theory]
    [InlineData(1, 1)]  // multi-query decode: one panel (or one row group) for all heads
    [InlineData(2, 2)]  // two key/value heads, one row each
    [InlineData(32, 1)] // 32 heads on one key/value head
    public void OneQueryRowWithFewItemsSplitsItsKeys(int heads, int kvHeads)
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(1, 4096, heads, kvHeads, 64), AllPaths);
        // Every path offers enough items, splitting the keys where heads and panels alone are too few.
        Assert.All(plan.Paths, p => Assert.True(p.WorkItems(kvHeads) >= KernelPlanner.MinRowWorkItems, $"{p.Profile.Path}: {p.WorkItems(kvHeads)} items"));
        Assert.All(plan.Paths.Where(p => p.Profile.Width > 1), p => Assert.True(p.Keys.Splits > 1, $"{p.Profile.Path}: no split"));
        string source = KernelEmitter.Emit(plan);
        Assert.Contains("split-KV", source);
        Assert.Contains("Driver.Finish<Shape, Avx512Path>(call);", source);
    }

    [Fact]
    public void SplitKeysOnlyForOneQueryRowWithFewItems()
    {
        Assert.All(KernelPlanner.Plan(Spec(1, 4096, 32, 8, 128), AllPaths).Paths, p => Assert.Equal(1, p.Keys.Splits));
        Assert.All(KernelPlanner.Plan(Spec(2, 4096, 1, 1, 64), AllPaths).Paths, p => Assert.Equal(1, p.Keys.Splits));
        Assert.All(KernelPlanner.Plan(Spec(1, 100, 1, 1, 64), AllPaths).Paths, p => Assert.Equal(1, p.Keys.Splits)); // one key block
    }

    [Fact]
    public void FewRowsGetNarrowPanelsAndLongKeysGetOnlineSoftmax()
    {
        var avx512 = Assert.IsType<PanelPathPlan>(KernelPlanner.Plan(Spec(8, 4096, 8, 8, 64), AllPaths).Paths[0]);
        Assert.Equal(16, avx512.Rows.Lanes); // one vector, not 32 lanes of padding
        Assert.True(avx512.Keys.Blocks > 1);
        Assert.True(avx512.Scratch.OnStack);
    }

    [Theory]
    [InlineData(197, 5, 0, 0, 0)] // ViT: 6 × 32 + 5 on AVX-512; 12 × 16 + 5 (more than half a vector) on AVX2
    [InlineData(36, 4, 4, 0, 0)] // 32 + 4; 2 × 16 + 4; NEON's 4 rows are a whole vector
    [InlineData(77, 0, 0, 0, 0)] // 2 × 32 + 13: a narrow panel, but more than half a vector
    [InlineData(34, 2, 2, 2, 0)] // the scalar path has no narrow panel
    public void ANarrowLastPanelOfAtMostHalfAVectorScoresByDotProducts(int seqLen, int avx512, int avx2, int neon, int scalar)
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(seqLen, 100, 2, 2, 64), AllPaths);
        Assert.Equal(new[] { avx512, avx2, neon, scalar },
            plan.Paths.Select(path => ((PanelPathPlan)path).Rows.Dots?.Rows ?? 0).ToArray());
        Assert.Equal(avx512 > 0, KernelEmitter.Emit(plan).Contains($"ScoreDots{avx512}x4<Avx512Ops, Vector512<float>, Shape, Avx512Path>("));
    }

    [Fact]
    public void GroupedQueryHeadsShareAPanel()
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(1, 512, 32, 8, 64), AllPaths);
        Assert.Equal(4, plan.RowsPerKvHead);
        Assert.Equal(8, plan.Paths[0].WorkItems(8)); // one panel per key/value head
    }

    [Fact]
    public void ScratchAboveTheStackCapIsRented()
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(64, 64, 1, 1, 40000), AllPaths);
        Assert.All(plan.Paths, path => Assert.False(path.Scratch.OnStack));
        Assert.Contains("public static bool ScratchOnStack => false;", KernelEmitter.Emit(plan));
    }

    [Fact]
    public void CausalFlopsCountAllowedPairsOnly()
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(4, 4, 1, 1, 8, causal: true), AllPaths);
        Assert.Equal(4L * 8 * (1 + 2 + 3 + 4), plan.FlopsPerCall);
    }

    [Fact]
    public void TokenMajorKeysAndValuesArePackedPerHeadWhenSeveralPanelsReadThem()
    {
        KernelPlan vit = KernelPlanner.Plan(Spec(197, 197, 12, 12, 64, layout: TensorLayout.TokenMajor), AllPaths);
        Assert.All(vit.Paths, path => Assert.Equal(KeyValueSource.Packed, Packing(path)));
        var avx512 = (PanelPathPlan)vit.Paths[0];
        Assert.Equal(KernelPlanner.ScratchFloats(avx512.Rows.Lanes, 64, avx512.Keys.Block) + 2 * 197 * 64, avx512.Scratch.Floats);
        string source = KernelEmitter.Emit(vit);
        Assert.Contains("public static bool PackKeyValues => true;", source);
        Assert.Contains("public static int RowStride => 64;", source);

        // Contiguous rows (HeadMajor, or one key/value head), a single panel, or a head too large for L2: in place.
        Assert.All(KernelPlanner.Plan(Spec(197, 197, 12, 12, 64), AllPaths).Paths, p => Assert.Equal(KeyValueSource.InPlace, Packing(p)));
        Assert.All(KernelPlanner.Plan(Spec(197, 197, 12, 1, 64, layout: TensorLayout.TokenMajor), AllPaths).Paths, p => Assert.Equal(KeyValueSource.InPlace, Packing(p)));
        Assert.Equal(KeyValueSource.InPlace, Packing(KernelPlanner.Plan(Spec(16, 197, 12, 12, 64, layout: TensorLayout.TokenMajor), AllPaths).Paths[0]));
        Assert.All(KernelPlanner.Plan(Spec(512, 4096, 8, 8, 64, layout: TensorLayout.TokenMajor), AllPaths).Paths, p => Assert.Equal(KeyValueSource.InPlace, Packing(p)));
        Assert.DoesNotContain("PackKeyValues", KernelEmitter.Emit(KernelPlanner.Plan(Spec(197, 197, 12, 12, 64), AllPaths)));
    }

    [Theory]
    [InlineData(257, 128, 6, 90)]   // 90 + 90 + 77: whole tiles but the last block's
    [InlineData(197, 128, 6, 102)]  // 102 + 95
    [InlineData(512, 128, 6, 128)]  // 132 would pass the cap
    [InlineData(4096, 132, 6, 128)] // 132 would leave a last block of 4
    [InlineData(100, 128, 6, 100)]  // one block: all keys
    public void KeyBlocksAreBalancedAndWholeTilesWhereTheCapAllows(int keys, int maxBlock, int tileRows, int expected)
    {
        int block = KernelPlanner.KeyBlock(keys, maxBlock, tileRows);
        Assert.Equal(expected, block);
        Assert.True(block <= maxBlock);
    }

    [Fact]
    public void AThinValueTailTakesAWholeTileAndFewerVectorsPerPass()
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(128, 128, 12, 12, 64), AllPaths);
        // AVX-512, 32 lanes: 4 tiles of 6 rows × 4 vectors, then 8 rows × 2 vectors (16 chains), not 2 rows × 4 (8).
        var avx512 = (RowMajorValues)((PanelPathPlan)plan.Paths[0]).Values;
        Assert.Equal(new RowMajorValues(new ValueTile(6, 4), new ValueTile(8, 2), TilesWriteOutput: true), avx512);
        Assert.Contains("public static int ValueTailDims => 32;", KernelEmitter.Emit(plan));
        // AVX2, 16 lanes: 4 rows × 2 vectors stays, since 10 rows would leave one vector per pass.
        var avx2 = (RowMajorValues)((PanelPathPlan)plan.Paths[1]).Values;
        Assert.Equal(new RowMajorValues(new ValueTile(6, 2), new ValueTile(4, 2), TilesWriteOutput: true), avx2);
    }

    [Theory]
    [InlineData(128, 8)] // 16 tiles of 8 keys, none shifted (6-key tiles would recompute 4 scores)
    [InlineData(257, 6)] // blocks of 90 + 90 + 77: 6-key tiles recompute 1 score
    [InlineData(4096, 8)]
    public void AVX512TakesTheScoreTileHeightThatRecomputesTheFewestScores(int keys, int expectedTileRows)
    {
        KernelPlan plan = KernelPlanner.Plan(Spec(128, keys, 8, 8, 64), AllPaths);
        Assert.Equal(expectedTileRows, ((PanelPathPlan)plan.Paths[0]).ScoreTileRows);
        Assert.All(plan.Paths.Skip(1), path => Assert.Equal(path.Profile.TileRows, ((PanelPathPlan)path).ScoreTileRows)); // AVX2, NEON: registers allow 6
    }

    private static KeyValueSource Packing(PathPlan path) => path is PanelPathPlan panels ? panels.Source : KeyValueSource.InPlace;
}
