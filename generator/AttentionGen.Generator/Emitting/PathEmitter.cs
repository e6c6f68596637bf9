using AttentionGen.Generator.Model;
using AttentionGen.Generator.Planning;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders one <see cref="PathPlan"/>: the driver loop over work items and key blocks, and the register-tiled
/// micro-kernels. The same code renders every instruction set; only the profile's names and sizes differ.
/// </summary>
internal static class PathEmitter
{
    public static void Write(SourceWriter w, KernelPlan plan, PathPlan path)
    {
        if (path.Strategy == KernelStrategy.Rows)
        {
            WriteRowsPath(w, plan, path);
            return;
        }

        KernelShape s = plan.Shape;
        IsaProfile p = path.Profile;
        w.Line($"/// <summary>{p.Title} path: panels of {path.PanelLanes} query rows in {path.PanelVectors} × {p.Width}-lane vectors, {path.TileRows}-row register tiles.</summary>");
        using (w.Block($"private static class {path.Name}"))
        {
            w.Line($"private const int Width = {p.Width};");
            w.Line("/// <summary>Query rows per panel.</summary>");
            w.Line($"private const int PanelLanes = {path.PanelLanes};");
            w.Line("/// <summary>Panels per key/value head.</summary>");
            w.Line($"private const int Panels = {path.Panels};");
            w.Line(path.KeySplits > 1
                ? "/// <summary>Independent items of one call: key/value heads × panels × ranges of keys.</summary>"
                : "/// <summary>Independent items of one call: key/value heads × panels.</summary>");
            w.Line($"public const int WorkItems = {path.WorkItems(s.KvHeads)};");
            if (path.RowMajorAccumulator)
            {
                w.Line("/// <summary>Keys per score tile.</summary>");
                w.Line($"private const int TileRows = {path.TileRows};");
                w.Line("/// <summary>Query rows per value tile.</summary>");
                w.Line($"private const int ValueRows = {path.ValueRows};");
                w.Line("/// <summary>Head dimensions per value tile.</summary>");
                w.Line($"private const int ValueDims = {path.ValueVectors * p.Width};");
                w.Line("/// <summary>Query rows of the value tail tile: a panel's rows after whole value tiles (0: none).</summary>");
                w.Line($"private const int ValueLaneTail = {path.ValueLaneTail};");
                if (path.ValueLaneTail > 0)
                {
                    w.Line("/// <summary>Head dimensions per pass of the value tail tile.</summary>");
                    w.Line($"private const int ValueTailDims = {path.ValueTailVectors * p.Width};");
                }
            }
            else
            {
                w.Line("/// <summary>Keys per score tile and head dimensions per value tile.</summary>");
                w.Line($"private const int TileRows = {path.TileRows};");
            }

            if (path.NarrowTileRows > 0)
            {
                w.Line("/// <summary>Keys per score tile of the narrow last panel (one vector of lanes).</summary>");
                w.Line($"private const int NarrowTileRows = {path.NarrowTileRows};");
            }

            w.Line("/// <summary>Keys per softmax block.</summary>");
            w.Line($"private const int KeyBlock = {path.KeyBlock};");
            w.Line(path.PackKeyValues
                ? "/// <summary>Elements between K (and V) rows as the tiles read them: packed per head into the scratch.</summary>"
                : "/// <summary>Elements between K (and V) rows as the tiles read them: in place.</summary>");
            w.Line(path.PackKeyValues ? "private const int RowStride = HeadDim;" : "private const int RowStride = KvRowStride;");
            if (path.KeySplits > 1)
            {
                w.Line("/// <summary>Split-KV: ranges each panel's keys are split into, and keys per range.</summary>");
                w.Line($"private const int KeySplits = {path.KeySplits};");
                w.Line($"private const int SplitKeys = {path.BlocksPerSplit} * KeyBlock;");
                w.Line("/// <summary>An item's softmax state left for Finish: accumulator, then running max and sum per lane.</summary>");
                w.Line("private const int ItemState = HeadDim * PanelLanes + 2 * PanelLanes;");
                w.Line("public const int SharedFloats = WorkItems * ItemState;");
            }

            w.Line();
            w.Line("// Scratch layout, in floats.");
            w.Line("private const int QueryPanelAt = 0;                                      // Qᵀ·ScoreScale [HeadDim][PanelLanes]");
            w.Line(path.RowMajorAccumulator
                ? "private const int AccumulatorAt = QueryPanelAt + HeadDim * PanelLanes;   // O [PanelLanes][HeadDim]"
                : "private const int AccumulatorAt = QueryPanelAt + HeadDim * PanelLanes;   // Oᵀ [HeadDim][PanelLanes]");
            w.Line("private const int ScoresAt = AccumulatorAt + HeadDim * PanelLanes;       // Sᵀ, then P [KeyBlock][PanelLanes]");
            w.Line("private const int MaxAt = ScoresAt + KeyBlock * PanelLanes;              // running max per lane");
            w.Line("private const int SumAt = MaxAt + PanelLanes;                            // running sum per lane");
            w.Line("private const int LimitAt = SumAt + PanelLanes;                          // last allowed key per lane (causal)");
            w.Line("private const int RescaleAt = LimitAt + PanelLanes;                      // 2^(old max − new max) per lane");
            w.Line("private const int ScoreMaxAt = RescaleAt + PanelLanes;                   // max of the block's scores per lane, folded by the score tiles");
            if (path.PackKeyValues)
            {
                w.Line("private const int KeysAt = ScoreMaxAt + PanelLanes;                     // K of the current key/value head [KvLen][HeadDim]");
                w.Line("private const int ValuesAt = KeysAt + KvLen * HeadDim;                  // V of the current key/value head [KvLen][HeadDim]");
                w.Line("private const int ScratchFloats = ValuesAt + KvLen * HeadDim;");
            }
            else
            {
                w.Line("private const int ScratchFloats = ScoreMaxAt + PanelLanes;");
            }

            w.Line();
            WriteRun(w, plan, path);
            w.Line();
            WriteTile(w, path, Tile.Scores("ScoreTile", path.TileRows, path.PanelVectors));
            if (path.TileRows > 1)
            {
                w.Line();
                WriteTile(w, path, Tile.Scores("ScoreKey", 1, path.PanelVectors));
            }

            if (path.NarrowDotRows > 0)
            {
                w.Line();
                NarrowDotTile.Write(w, path, s.HeadDim);
            }
            else if (path.NarrowTileRows > 0)
            {
                w.Line();
                WriteTile(w, path, Tile.Scores("ScoreTileNarrow", path.NarrowTileRows, 1));
                w.Line();
                WriteTile(w, path, Tile.Scores("ScoreKeyNarrow", 1, 1));
            }

            if (path.RowMajorAccumulator)
            {
                w.Line();
                bool writesOutput = path.ValueTilesWriteOutput;
                WriteTile(w, path, Tile.RowMajorValues("ValueTile", path.ValueRows, path.ValueVectors, "ValueDims", writesOutput));
                if (path.ValueLaneTail > 0)
                {
                    w.Line();
                    WriteTile(w, path, Tile.RowMajorValues("ValueTail", path.ValueLaneTail, path.ValueTailVectors, "ValueTailDims", writesOutput));
                }
            }
            else
            {
                if (s.HeadDim >= path.TileRows)
                {
                    w.Line();
                    WriteTile(w, path, Tile.TransposedValues("ValueTile", path.TileRows, path.PanelVectors));
                }

                if (path.ValueTailRows > 0)
                {
                    w.Line();
                    WriteTile(w, path, Tile.TransposedValues("ValueTail", path.ValueTailRows, path.PanelVectors));
                }
            }
        }
    }

    private static void WriteRun(SourceWriter w, KernelPlan plan, PathPlan path)
    {
        KernelShape s = plan.Shape;
        string ops = path.Profile.OpsType;
        string generic = $"<{ops}, {path.Profile.VectorType}>";
        string softmax = "OnlineSoftmax";

        using (BeginRun(w, plan, path))
        {
            foreach (string part in new[] { "queryPanel QueryPanelAt", "accumulator AccumulatorAt", "scores ScoresAt", "max MaxAt", "sum SumAt", "limit LimitAt", "rescale RescaleAt", "scoreMax ScoreMaxAt" })
            {
                string[] names = part.Split(' ');
                w.Line($"ref float {names[0]} = ref {Unsafe}.Add(ref start, {names[1]});");
            }

            w.Line("Span<int> rowOffsets = stackalloc int[PanelLanes];");
            if (path.PackKeyValues)
                w.Line("int packedHead = -1; // the key/value head whose K and V the scratch holds");
            if (path.NarrowPanel)
                w.Line("scratch.Slice(ScoresAt, KeyBlock * PanelLanes).Clear(); // lanes a narrow panel leaves alone must hold numbers");
            using (w.Block("for (int item = WorkQueue.Claim(ref nextItem); item < WorkItems; item = WorkQueue.Claim(ref nextItem))"))
            {
                if (path.KeySplits > 1)
                {
                    w.Line("int panelItem = item / KeySplits;");
                    w.Line("int firstKey = item % KeySplits * SplitKeys;");
                    w.Line("int kvHead = panelItem / Panels;");
                    w.Line("int firstRow = panelItem % Panels * PanelLanes;");
                }
                else
                {
                    w.Line("int kvHead = item / Panels;");
                    w.Line("int firstRow = item % Panels * PanelLanes;");
                }

                w.Line("int rows = Math.Min(PanelLanes, RowsPerKvHead - firstRow);");
                w.Line("for (int lane = 0; lane < rows; lane++)");
                w.Line("    rowOffsets[lane] = QueryOffset(kvHead, firstRow + lane);");
                w.Line("ReadOnlySpan<int> panelRows = rowOffsets.Slice(0, rows);");
                if (path.NarrowPanel)
                    w.Line("int lanes = rows <= Width ? Width : PanelLanes; // the last panel's few rows take one vector of lanes");
                w.Line();
                w.Lines(path.RowMajorAccumulator
                    ? "// Pack the panel's queries (Qᵀ·ScoreScale) and reset the softmax state: max −∞, sum 0 (the first block's\n// value tiles start the accumulator from zero)."
                    : "// Pack the panel's queries (Qᵀ·ScoreScale) and reset the softmax state: max −∞, sum 0, accumulator 0.");
                string packRows = $"PanelTranspose.PackRows{generic}(ref queryStart, panelRows, HeadDim, ScoreScale, ref queryPanel, PanelLanes);";
                if (path.NarrowDotRows > 0)
                {
                    w.Line("if (lanes < PanelLanes) // the narrow panel's scores are dot products: its rows stay row-major");
                    w.Line($"    PanelTranspose.PackScaledRows{generic}(ref queryStart, panelRows, HeadDim, ScoreScale, ref queryPanel);");
                    w.Line("else");
                    packRows = "    " + packRows;
                }

                w.Line(packRows);

                if (!path.RowMajorAccumulator)
                    w.Line("scratch.Slice(AccumulatorAt, HeadDim * PanelLanes).Clear();");

                w.Line("scratch.Slice(MaxAt, PanelLanes).Fill(float.NegativeInfinity);");
                w.Line("scratch.Slice(SumAt, PanelLanes).Clear();");
                if (s.Causal)
                {
                    w.Line();
                    w.Line("// Causal, bottom-right aligned: row r (position r / GroupSize) attends keys j <= position + kvLength − SeqLen.");
                    w.Line("int offset = kvLength - SeqLen;");
                    w.Line("int firstLimit = firstRow / GroupSize + offset;");
                    w.Line("for (int lane = 0; lane < PanelLanes; lane++)");
                    w.Line($"    {Unsafe}.Add(ref limit, lane) = (firstRow + Math.Min(lane, rows - 1)) / GroupSize + offset;");
                    w.Line("// Keys past the panel's last row are skipped, not masked.");
                    w.Line(path.KeySplits > 1
                        ? "int keyEnd = Math.Min(firstKey + SplitKeys, Math.Clamp((firstRow + rows - 1) / GroupSize + offset + 1, 0, kvLength));"
                        : "int keyEnd = Math.Clamp((firstRow + rows - 1) / GroupSize + offset + 1, 0, kvLength);");
                }
                else
                {
                    w.Line(path.KeySplits > 1 ? "int keyEnd = Math.Min(firstKey + SplitKeys, kvLength);" : "int keyEnd = kvLength;");
                }

                if (path.PackKeyValues)
                {
                    w.Line();
                    w.Line("// TokenMajor K and V rows lie KvRowStride apart, on a few L1 sets: pack the head's rows once for its panels.");
                    using (w.Block("if (kvHead != packedHead)"))
                    {
                        w.Line($"Scratch.GatherRows(ref {Unsafe}.Add(ref keyStart, KeyOffset(kvHead, 0)), KvRowStride, kvLength, HeadDim, ref {Unsafe}.Add(ref start, KeysAt));");
                        w.Line($"Scratch.GatherRows(ref {Unsafe}.Add(ref valueStart, KeyOffset(kvHead, 0)), KvRowStride, kvLength, HeadDim, ref {Unsafe}.Add(ref start, ValuesAt));");
                        w.Line("packedHead = kvHead;");
                    }
                }

                w.Line();
                string firstKey = path.KeySplits > 1 ? "firstKey" : "0";
                using (w.Block($"for (int blockStart = {firstKey}; blockStart < keyEnd; blockStart += KeyBlock)"))
                {
                    w.Line("int count = Math.Min(KeyBlock, keyEnd - blockStart);");
                    w.Line(s.Causal
                        ? "int unmasked = Math.Clamp(firstLimit + 1 - blockStart, 0, count); // keys every row of the panel attends"
                        : "int unmasked = count;");
                    foreach (string rows in new[] { "key", "value" })
                    {
                        w.Line(path.PackKeyValues
                            ? $"ref float {rows}Rows = ref {Unsafe}.Add(ref start, {(rows == "key" ? "Keys" : "Values")}At + blockStart * RowStride);"
                            : $"ref float {rows}Rows = ref {Unsafe}.Add(ref {rows}Start, KeyOffset(kvHead, blockStart));");
                    }

                    w.Line();
                    w.Line("// The score tiles fold each lane's max as they store the scores: the softmax then needs no pass for it.");
                    w.Line("scratch.Slice(ScoreMaxAt, PanelLanes).Fill(float.NegativeInfinity);");
                    if (path.NarrowPanel)
                    {
                        using (w.Block("if (lanes < PanelLanes)"))
                        {
                            if (path.NarrowDotRows > 0)
                            {
                                w.Line("// 1. Scores Sᵀ = K·Qᵀ of the narrow panel's rows, a key at a time, by dot products over the head dimension.");
                                w.Line($"{NarrowDotTile.Name}(ref keyRows, count, ref queryPanel, ref scores, ref scoreMax);");
                            }
                            else
                            {
                                WriteScoreLoop(w, "NarrowTileRows", "ScoreTileNarrow", "ScoreKeyNarrow");
                            }
                        }
                        using (w.Block("else"))
                            WriteScoreLoop(w, "TileRows", "ScoreTile", path.TileRows > 1 ? "ScoreKey" : null);
                    }
                    else
                    {
                        WriteScoreLoop(w, "TileRows", "ScoreTile", path.TileRows > 1 ? "ScoreKey" : null);
                    }

                    w.Line();
                    w.Line(path.RowMajorAccumulator
                        ? "// 2. Softmax: mask the diagonal, update max and sum, P = 2^(S − max) (the value tiles rescale the accumulator)."
                        : "// 2. Softmax: mask the diagonal, update max and sum, P = 2^(S − max), rescale the accumulator.");
                    w.Line($"{softmax}.UpdateBlock{generic}(ref scores, ref max, ref sum, ref limit, ref rescale, ref scoreMax,");
                    w.Line($"    PanelLanes, {(path.NarrowPanel ? "lanes" : "PanelLanes")}, count, unmasked, blockStart, firstBlock: blockStart == {firstKey});");
                    if (!path.RowMajorAccumulator) // row-major value tiles rescale as they load the accumulator
                    {
                        w.Line($"if (blockStart > {firstKey})");
                        w.Line($"    {softmax}.RescaleColumns{generic}(ref accumulator, ref rescale, PanelLanes, HeadDim);");
                    }

                    w.Line();
                    bool finiteDiagonalInTiles = s.Causal && path.RowMajorAccumulator;
                    if (finiteDiagonalInTiles)
                    {
                        w.Line("// The diagonal's keys go through the value tiles too when their value rows are finite: a masked key's");
                        w.Line("// probability is exactly 0 and 0 · v adds a zero. A non-finite row sends them lane by lane (below).");
                        w.Line($"int tileKeys = unmasked < count && {softmax}.AreFinite{generic}(ref {Unsafe}.Add(ref valueRows, unmasked * RowStride), RowStride,");
                        w.Line("    count - unmasked, HeadDim) ? count : unmasked;");
                        w.Line();
                    }

                    bool tilesWriteOutput = path.ValueTilesWriteOutput;
                    string tilesWrite = s.Causal ? "tilesWrite" : "lastBlock";
                    if (tilesWriteOutput)
                    {
                        w.Line("// The last block's value tiles write the panel's rows out, normalized: sums become 1/sum first.");
                        w.Line("bool lastBlock = blockStart + KeyBlock >= keyEnd;");
                        w.Line("if (lastBlock)");
                        w.Line($"    {softmax}.FinishRows{generic}(ref sum, PanelLanes);");
                        if (s.Causal)
                            w.Line("bool tilesWrite = lastBlock && tileKeys == count; // else the rows are written after the diagonal's keys");
                        w.Line();
                    }

                    if (path.RowMajorAccumulator)
                        WriteRowMajorValues(w, path, firstKey, tilesWriteOutput ? tilesWrite : null, finiteDiagonalInTiles ? "tileKeys" : "unmasked", s.Causal);
                    else
                        WriteTransposedValues(w, s, path);

                    if (s.Causal)
                    {
                        if (path.RowMajorAccumulator)
                            w.Line();
                        w.Line("// Keys on the diagonal, lane by lane, so masked rows stay bitwise untouched.");
                        w.Line(finiteDiagonalInTiles ? "if (tileKeys < count)" : "if (unmasked < count)");
                        if (path.RowMajorAccumulator)
                        {
                            w.Line($"    {softmax}.AccumulateMaskedKeysByRow{generic}(ref {Unsafe}.Add(ref valueRows, unmasked * RowStride), RowStride,");
                            w.Line($"        ref {Unsafe}.Add(ref scores, unmasked * PanelLanes), ref accumulator, ref limit, PanelLanes, rows, HeadDim, count - unmasked, blockStart + unmasked);");
                            if (tilesWriteOutput)
                            {
                                w.Line("if (lastBlock && !tilesWrite)");
                                w.Line($"    PanelTranspose.WriteScaledRows{generic}(ref accumulator, ref sum, HeadDim, ref outputStart, panelRows);");
                            }
                        }
                        else
                        {
                            w.Line($"    {softmax}.AccumulateMaskedKeys{generic}(ref {Unsafe}.Add(ref valueRows, unmasked * RowStride), RowStride,");
                            w.Line($"        ref {Unsafe}.Add(ref scores, unmasked * PanelLanes), ref accumulator, ref limit, PanelLanes, HeadDim, count - unmasked, blockStart + unmasked);");
                        }
                    }
                }

                if (path.KeySplits > 1)
                {
                    w.Line();
                    w.Line("// Leave this range's state (accumulator, max, sum) for Finish to merge with the other ranges.");
                    w.Line("scratch.Slice(AccumulatorAt, HeadDim * PanelLanes).CopyTo(shared.Slice(item * ItemState));");
                    w.Line("scratch.Slice(MaxAt, 2 * PanelLanes).CopyTo(shared.Slice(item * ItemState + HeadDim * PanelLanes));");
                }
                else if (path.ValueTilesWriteOutput)
                {
                    if (s.Causal)
                    {
                        w.Line();
                        w.Line("// A panel whose rows attend no key ran no block: its rows are zeros.");
                        w.Line("if (keyEnd <= 0)");
                        w.Line("    for (int lane = 0; lane < rows; lane++)");
                        w.Line("        output.Slice(rowOffsets[lane], HeadDim).Clear();");
                    }
                }
                else
                {
                    w.Line();
                    w.Line("// Normalize and write the panel's rows (a row that attended no key gets zeros).");
                    w.Line($"{softmax}.FinishRows{generic}(ref sum, PanelLanes);");
                    w.Line(path.RowMajorAccumulator
                        ? $"PanelTranspose.WriteScaledRows{generic}(ref accumulator, ref sum, HeadDim, ref outputStart, panelRows);"
                        : $"PanelTranspose.WriteRows{generic}(ref accumulator, PanelLanes, ref sum, HeadDim, ref outputStart, panelRows);");
                }
            }
        }

        if (path.KeySplits > 1)
        {
            using (BeginFinish(w))
            {
                using (w.Block("for (int panelItem = 0; panelItem < KvHeads * Panels; panelItem++)"))
                {
                    w.Line("int kvHead = panelItem / Panels;");
                    w.Line("int firstRow = panelItem % Panels * PanelLanes;");
                    w.Line($"ref float first = ref {Unsafe}.Add(ref states, panelItem * KeySplits * ItemState);");
                    w.Line("for (int lane = 0; lane < Math.Min(PanelLanes, RowsPerKvHead - firstRow); lane++)");
                    w.Line($"    RowAttention.MergeSplits(ref {Unsafe}.Add(ref first, HeadDim * PanelLanes + lane), ref {Unsafe}.Add(ref first, HeadDim * PanelLanes + PanelLanes + lane),");
                    w.Line(path.RowMajorAccumulator
                        ? $"        ref {Unsafe}.Add(ref first, lane * HeadDim), KeySplits, ItemState, HeadDim, 1, ref {Unsafe}.Add(ref outputStart, QueryOffset(kvHead, firstRow + lane)));"
                        : $"        ref {Unsafe}.Add(ref first, lane), KeySplits, ItemState, HeadDim, PanelLanes, ref {Unsafe}.Add(ref outputStart, QueryOffset(kvHead, firstRow + lane)));");
                }
            }
        }
    }

    /// <summary>Opens a split-KV path's <c>Finish</c>, with refs to the shared states and the output.</summary>
    private static SourceWriter.Scope BeginFinish(SourceWriter w)
    {
        w.Line();
        w.Line("/// <summary>Merges each row's key ranges (after every item has run) and writes the row.</summary>");
        SourceWriter.Scope scope = w.Block($"public static void Finish({Span} shared, {Span} output)");
        w.Line($"ref float states = ref {MemoryMarshal}.GetReference(shared);");
        w.Line($"ref float outputStart = ref {MemoryMarshal}.GetReference(output);");
        return scope;
    }

    /// <summary>Step 1: score tiles over the block's keys, the last partial tile shifted back to end at the block's
    /// last key (it recomputes a few scores identically instead of reading past the keys).</summary>
    private static void WriteScoreLoop(SourceWriter w, string tileRows, string tile, string? single)
    {
        w.Line($"// 1. Scores Sᵀ = K·Qᵀ, {tileRows} keys at a time. A last partial tile is shifted back to end at the");
        w.Line("//    block's last key: it recomputes a few scores identically instead of reading past the keys.");
        w.Line("int j = 0;");
        w.Line($"for (; j + {tileRows} <= count; j += {tileRows})");
        w.Line($"    {tile}(ref {Unsafe}.Add(ref keyRows, j * RowStride), ref queryPanel, ref {Unsafe}.Add(ref scores, j * PanelLanes), ref scoreMax);");
        if (single is null)
            return;
        using (w.Block("if (j < count)"))
        {
            w.Line($"if (count >= {tileRows})");
            w.Line($"    {tile}(ref {Unsafe}.Add(ref keyRows, (count - {tileRows}) * RowStride), ref queryPanel, ref {Unsafe}.Add(ref scores, (count - {tileRows}) * PanelLanes), ref scoreMax);");
            w.Line("else");
            w.Line("    for (; j < count; j++)");
            w.Line($"        {single}(ref {Unsafe}.Add(ref keyRows, j * RowStride), ref queryPanel, ref {Unsafe}.Add(ref scores, j * PanelLanes), ref scoreMax);");
        }
    }

    /// <summary>Step 3 with a row-major accumulator: tiles of ValueRows query rows × ValueDims head dimensions, over
    /// the panel's rows only (a partial panel skips its padding lanes). While <paramref name="tilesWrite"/> (a bool
    /// of the emitted code; null: never) holds, the tiles write their rows to the output; a tile that reaches past
    /// the panel's rows stores them as before and they are written from the accumulator.</summary>
    private static void WriteRowMajorValues(SourceWriter w, PathPlan path, string firstKey, string? tilesWrite, string keys, bool causal)
    {
        w.Line("// 3. Values O += P·V over the keys every row attends: ValueRows rows × ValueDims head dimensions per tile.");
        w.Line("int firstLane = 0;");
        w.Line("// Whole tiles while more rows than the tail's remain, or when a tile shorter than the tail covers the rest.");
        w.Line("for (; firstLane < rows && firstLane + ValueRows <= PanelLanes");
        using (w.Block("    && (rows - firstLane > ValueLaneTail || (ValueRows < ValueLaneTail && rows - firstLane <= ValueRows)); firstLane += ValueRows)"))
            WriteValueTiles(w, path, "ValueTile", "ValueRows", "ValueDims", firstKey, tilesWrite, keys, causal);

        if (path.ValueLaneTail > 0)
        {
            if (tilesWrite is not null)
                w.Line();
            using (w.Block("if (firstLane < rows)"))
                WriteValueTiles(w, path, "ValueTail", "ValueLaneTail", "ValueTailDims", firstKey, tilesWrite, keys, causal);
        }
    }

    /// <summary>One tile's passes over the head dimension, from firstLane. A causal tile stops after the last key its
    /// last row attends: the keys after it are masked for all the tile's rows.</summary>
    private static void WriteValueTiles(SourceWriter w, PathPlan path, string tile, string tileRows, string tileDims, string firstKey,
        string? tilesWrite, string keys, bool causal)
    {
        if (causal)
        {
            w.Line($"int rowKeys = Math.Clamp((int){Unsafe}.Add(ref limit, Math.Min(firstLane + {tileRows}, rows) - 1) + 1 - blockStart, 0, {keys}); // keys the tile's last row attends");
            keys = "rowKeys";
        }

        string arguments = $"ref {Unsafe}.Add(ref scores, firstLane), ref {Unsafe}.Add(ref valueRows, d), ref {Unsafe}.Add(ref accumulator, firstLane * HeadDim + d), {keys}, blockStart == {firstKey}, ref {Unsafe}.Add(ref rescale, firstLane)";
        if (tilesWrite is null)
        {
            w.Line($"for (int d = 0; d < HeadDim; d += {tileDims})");
            w.Line($"    {tile}({arguments});");
            return;
        }

        w.Line($"bool writeOutput = {tilesWrite} && firstLane + {tileRows} <= rows;");
        w.Line($"for (int d = 0; d < HeadDim; d += {tileDims})");
        w.Line($"    {tile}({arguments},");
        w.Line($"        writeOutput, ref {Unsafe}.Add(ref outputStart, d), ref rowOffsets[firstLane], ref {Unsafe}.Add(ref sum, firstLane));");
        w.Line($"if ({tilesWrite} && !writeOutput)");
        w.Line($"    PanelTranspose.WriteScaledRows<{path.Profile.OpsType}, {path.Profile.VectorType}>(ref {Unsafe}.Add(ref accumulator, firstLane * HeadDim), ref {Unsafe}.Add(ref sum, firstLane), HeadDim,");
        w.Line("        ref outputStart, panelRows.Slice(firstLane, rows - firstLane));");
    }

    /// <summary>Step 3 with a transposed accumulator: tiles of TileRows head dimensions × the panel's lanes.</summary>
    private static void WriteTransposedValues(SourceWriter w, KernelShape s, PathPlan path)
    {
        w.Line("// 3. Values Oᵀ += Vᵀ·P over the keys every row attends, TileRows head dimensions at a time.");
        if (s.HeadDim >= path.TileRows)
        {
            w.Line("for (int d = 0; d + TileRows <= HeadDim; d += TileRows)");
            w.Line($"    ValueTile(ref {Unsafe}.Add(ref valueRows, d), ref scores, ref {Unsafe}.Add(ref accumulator, d * PanelLanes), unmasked);");
        }

        if (path.ValueTailRows > 0)
        {
            int tailStart = s.HeadDim - path.ValueTailRows;
            w.Line($"ValueTail(ref {Unsafe}.Add(ref valueRows, {tailStart}), ref scores, ref {Unsafe}.Add(ref accumulator, {tailStart} * PanelLanes), unmasked);");
        }
    }

    /// <summary>The row strategy: few rows against many keys; the runtime's <c>RowAttention</c> does the math.</summary>
    private static void WriteRowsPath(SourceWriter w, KernelPlan plan, PathPlan path)
    {
        KernelShape s = plan.Shape;
        IsaProfile p = path.Profile;
        string generic = $"<{p.OpsType}, {p.VectorType}>";
        bool split = path.KeySplits > 1;
        w.Line($"/// <summary>{p.Title} path: {plan.RowsPerKvHead} row(s) per key/value head, the head dimension in {p.Width}-lane vectors, keys streamed once per row"
            + (split ? $", the keys of each key/value head split into {path.KeySplits} ranges merged at the end" : string.Empty) + ".</summary>");
        using (w.Block($"private static class {path.Name}"))
        {
            w.Line(split
                ? "/// <summary>Independent items of one call: key/value heads × ranges of keys.</summary>"
                : "/// <summary>Independent items of one call: one per key/value head.</summary>");
            w.Line($"public const int WorkItems = {path.WorkItems(s.KvHeads)};");
            w.Line("/// <summary>Keys per softmax block.</summary>");
            w.Line($"private const int KeyBlock = {path.KeyBlock};");
            if (split)
            {
                w.Line("/// <summary>Ranges each key/value head's keys are split into, and keys per range.</summary>");
                w.Line($"private const int KeySplits = {path.KeySplits};");
                w.Line($"private const int SplitKeys = {path.BlocksPerSplit} * KeyBlock;");
            }

            w.Line("/// <summary>Per row: running max, running sum, accumulator [HeadDim].</summary>");
            w.Line("private const int RowState = HeadDim + 2;");
            if (split)
            {
                w.Line("/// <summary>Every item's row states, [KvHeads][KeySplits][RowsPerKvHead][RowState], merged by Finish.</summary>");
                w.Line("public const int SharedFloats = WorkItems * RowsPerKvHead * RowState;");
            }

            w.Line();
            w.Line("// Scratch layout, in floats.");
            w.Line("private const int ScoresAt = 0;                          // scores, then P [KeyBlock]");
            w.Line("private const int StateAt = ScoresAt + KeyBlock;          // [RowsPerKvHead][RowState]");
            w.Line("private const int ScratchFloats = StateAt + RowsPerKvHead * RowState;");
            w.Line();
            using (BeginRun(w, plan, path))
            {
                w.Line($"ref float scores = ref {Unsafe}.Add(ref start, ScoresAt);");
                if (s.Causal)
                    w.Line("int offset = kvLength - SeqLen; // causal, bottom-right: row r attends keys j <= r / GroupSize + offset");
                using (w.Block(split
                    ? "for (int item = WorkQueue.Claim(ref nextItem); item < WorkItems; item = WorkQueue.Claim(ref nextItem))"
                    : "for (int kvHead = WorkQueue.Claim(ref nextItem); kvHead < WorkItems; kvHead = WorkQueue.Claim(ref nextItem))"))
                {
                    if (split)
                    {
                        w.Line("int kvHead = item / KeySplits;");
                        w.Line("int firstKey = item % KeySplits * SplitKeys;");
                        w.Line("// This item's row states live in the shared memory, for Finish to merge.");
                        w.Line("Span<float> state = shared.Slice(item * RowsPerKvHead * RowState, RowsPerKvHead * RowState);");
                    }
                    else
                    {
                        w.Line("Span<float> state = scratch.Slice(StateAt, RowsPerKvHead * RowState);");
                    }

                    w.Line("// Reset every row: max −∞, sum 0, accumulator 0.");
                    w.Line("state.Clear();");
                    w.Line("for (int row = 0; row < RowsPerKvHead; row++)");
                    w.Line("    state[row * RowState] = float.NegativeInfinity;");
                    string end = s.Causal
                        ? "Math.Clamp((RowsPerKvHead - 1) / GroupSize + offset + 1, 0, kvLength)"
                        : "kvLength";
                    w.Line(split ? $"int keyEnd = Math.Min(firstKey + SplitKeys, {end});" : $"int keyEnd = {end};");
                    w.Line();
                    w.Line("// Blocks of keys outside, rows inside: a GQA group reads each block of K and V once from memory.");
                    using (w.Block($"for (int blockStart = {(split ? "firstKey" : "0")}; blockStart < keyEnd; blockStart += KeyBlock)"))
                    {
                        w.Line($"ref float keyRows = ref {Unsafe}.Add(ref keyStart, KeyOffset(kvHead, blockStart));");
                        w.Line($"ref float valueRows = ref {Unsafe}.Add(ref valueStart, KeyOffset(kvHead, blockStart));");
                        using (w.Block("for (int row = 0; row < RowsPerKvHead; row++)"))
                        {
                            w.Line(s.Causal
                                ? "int count = Math.Min(Math.Min(KeyBlock, keyEnd - blockStart), Math.Clamp(row / GroupSize + offset + 1, 0, kvLength) - blockStart);"
                                : "int count = Math.Min(KeyBlock, keyEnd - blockStart);");
                            if (s.Causal)
                            {
                                w.Line("if (count <= 0)");
                                w.Line("    continue; // this row's allowed keys ended in an earlier block");
                            }

                            w.Line($"ref float rowState = ref {Unsafe}.Add(ref MemoryMarshal.GetReference(state), row * RowState);");
                            w.Line($"RowAttention.Scores{generic}(ref {Unsafe}.Add(ref queryStart, QueryOffset(kvHead, row)), ref keyRows, KvRowStride, count, HeadDim, ScoreScale, ref scores);");
                            w.Line($"float alpha = RowAttention.UpdateRow{generic}(ref scores, count, ref rowState, ref {Unsafe}.Add(ref rowState, 1));");
                            w.Line($"RowAttention.Accumulate{generic}(ref valueRows, KvRowStride, ref scores, count, HeadDim, alpha, ref {Unsafe}.Add(ref rowState, 2));");
                        }
                    }

                    if (!split)
                    {
                        w.Line();
                        w.Line("for (int row = 0; row < RowsPerKvHead; row++)");
                        w.Line($"    RowAttention.WriteRow(ref state[row * RowState + 2], state[row * RowState + 1], HeadDim, ref {Unsafe}.Add(ref outputStart, QueryOffset(kvHead, row)));");
                    }
                }
            }

            if (split)
            {
                using (BeginFinish(w))
                {
                    using (w.Block("for (int kvHead = 0; kvHead < KvHeads; kvHead++)"))
                    {
                        using (w.Block("for (int row = 0; row < RowsPerKvHead; row++)"))
                        {
                            w.Line($"ref float rowState = ref {Unsafe}.Add(ref states, (kvHead * KeySplits * RowsPerKvHead + row) * RowState);");
                            w.Line($"RowAttention.MergeSplits(ref rowState, ref {Unsafe}.Add(ref rowState, 1), ref {Unsafe}.Add(ref rowState, 2), KeySplits,");
                            w.Line($"    RowsPerKvHead * RowState, HeadDim, 1, ref {Unsafe}.Add(ref outputStart, QueryOffset(kvHead, row)));");
                        }
                    }
                }
            }
        }
    }

    /// <summary>Opens a path's <c>Run</c> method: its scratch (stack or pool) and refs to the four spans. The
    /// scope's end returns rented scratch.</summary>
    private static RunScope BeginRun(SourceWriter w, KernelPlan plan, PathPlan path)
    {
        w.Line("/// <summary>Runs the work items it claims from <paramref name=\"nextItem\"/> until none is left (arguments already checked).</summary>");
        if (plan.SkipLocalsInit)
            w.Line("[SkipLocalsInit]");
        w.Line(Optimize);
        var scope = new RunScope(w, path, w.Block($"public static void Run({ReadOnlySpan} query, {ReadOnlySpan} key, {ReadOnlySpan} value, {Span} output, int kvLength, {Span} shared, ref int nextItem)"));
        WriteScratch(w, path);
        foreach (string span in new[] { "query", "key", "value", "output" })
            w.Line($"ref float {span}Start = ref {MemoryMarshal}.GetReference({span});");
        return scope;
    }

    private readonly struct RunScope(SourceWriter writer, PathPlan path, SourceWriter.Scope method) : System.IDisposable
    {
        public void Dispose()
        {
            if (!path.ScratchOnStack)
                writer.Line("System.Buffers.ArrayPool<float>.Shared.Return(rented);");
            method.Dispose();
        }
    }

    private static void WriteScratch(SourceWriter w, PathPlan path)
    {
        if (path.ScratchOnStack)
        {
            w.Line($"{Span} scratch = Scratch.Align(stackalloc float[ScratchFloats + Scratch.Padding], ScratchFloats);");
        }
        else
        {
            w.Line("// The scratch is above the stack cap: rent it (no allocation once the pool is warm).");
            w.Line("float[] rented = System.Buffers.ArrayPool<float>.Shared.Rent(ScratchFloats + Scratch.Padding);");
            w.Line($"{Span} scratch = Scratch.Align(rented, ScratchFloats);");
        }

        w.Line($"ref float start = ref {MemoryMarshal}.GetReference(scratch);");
    }

    /// <summary>
    /// A register-tiled micro-kernel: C[rows][vectors·Width] (+)= Σₖ broadcast(A[row·ARowStep + k·AStep]) ·
    /// B[k·BStep + (vectors·Width)], with rows × vectors accumulators.
    /// </summary>
    private sealed record Tile(string Name, int Rows, int Vectors, string Summary, string Signature, string A, string B,
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
            "ref float probabilities, ref float values, ref float accumulator, int count, bool firstBlock, ref float rescale"
                + (writesOutput ? ", bool writeOutput, ref float output, ref int outputRows, ref float factors" : string.Empty),
            "probabilities", "values", "accumulator",
            "1", "PanelLanes", "RowStride", "HeadDim", "count", TileStart.AccumulatorAfterFirstBlock, writesOutput);
    }

    /// <summary>What a tile's accumulators hold before its first product.</summary>
    private enum TileStart
    {
        /// <summary>Zero: the tile writes its result over C.</summary>
        Zero,

        /// <summary>C as it is: the tile adds to it.</summary>
        Accumulator,

        /// <summary>Zero in the panel's first key block (the caller's <c>firstBlock</c>), after it C with each row
        /// times its online-softmax factor (<c>rescale</c>).</summary>
        AccumulatorAfterFirstBlock,
    }

    private static void WriteTile(SourceWriter w, PathPlan path, Tile tile)
    {
        IsaProfile p = path.Profile;
        string ops = p.OpsType;
        string vector = p.VectorType;
        w.Line($"/// <summary>{tile.Summary} {tile.Rows * tile.Vectors} accumulators.</summary>");
        w.Line(Optimize);
        using (w.Block($"private static void {tile.Name}({tile.Signature})"))
        {
            for (int r = 0; r < tile.Rows; r++)
            {
                for (int v = 0; v < tile.Vectors; v++)
                {
                    w.Line(tile.Start == TileStart.Accumulator
                        ? $"{vector} c{r}x{v} = {ops}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)});"
                        : $"{vector} c{r}x{v} = default;");
                }
            }

            if (tile.Start == TileStart.AccumulatorAfterFirstBlock)
            {
                w.Line();
                using (w.Block("if (!firstBlock)"))
                {
                    for (int r = 0; r < tile.Rows; r++)
                    {
                        w.Line($"{(r == 0 ? vector + " " : string.Empty)}alpha = {ops}.Broadcast({Unsafe}.Add(ref rescale, {r}));");
                        for (int v = 0; v < tile.Vectors; v++)
                            w.Line($"c{r}x{v} = {ops}.Multiply({ops}.Load(ref {tile.C}, {Offset(r, tile.CRowStride, v)}), alpha);");
                    }
                }

                w.Line();
            }

            w.Line($"ref float a = ref {tile.A};");
            w.Line($"ref float b = ref {tile.B};");
            using (w.Block($"for (int k = 0; k < {tile.Count}; k++)"))
            {
                for (int v = 0; v < tile.Vectors; v++)
                    w.Line($"{vector} b{v} = {ops}.Load(ref b, {Offset(0, null, v)});");
                for (int r = 0; r < tile.Rows; r++)
                {
                    w.Line($"{(r == 0 ? vector + " " : string.Empty)}x = {ops}.Broadcast({Unsafe}.Add(ref a, {Offset(r, tile.ARowStep, -1)}));");
                    for (int v = 0; v < tile.Vectors; v++)
                        w.Line($"c{r}x{v} = {ops}.MultiplyAdd(x, b{v}, c{r}x{v});");
                }

                w.Line($"a = ref {Unsafe}.Add(ref a, {tile.AStep});");
                w.Line($"b = ref {Unsafe}.Add(ref b, {tile.BStep});");
            }

            if (tile.WritesOutput)
            {
                w.Line();
                using (w.Block("if (writeOutput)"))
                {
                    for (int r = 0; r < tile.Rows; r++)
                    {
                        w.Line($"{(r == 0 ? vector + " " : string.Empty)}factor = {ops}.Broadcast({Unsafe}.Add(ref factors, {r}));");
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

            if (tile.FoldsMax)
            {
                w.Line();
                w.Line("// Each lane's max of these scores, folded into the block's: the softmax then needs no pass for it.");
                for (int v = 0; v < tile.Vectors; v++)
                {
                    w.Line($"{vector} max{v} = {MaxTree(ops, 0, tile.Rows, v)};");
                    w.Line($"{ops}.Store({ops}.Max({ops}.Load(ref scoreMax, {Offset(0, null, v)}), max{v}), ref scoreMax, {Offset(0, null, v)});");
                }
            }
        }
    }

    /// <summary>The max of accumulators c{first}x{vector} … c{first + count − 1}x{vector}, as a balanced tree (a chain
    /// would wait on each max's latency in turn).</summary>
    private static string MaxTree(string ops, int first, int count, int vector) => count == 1
        ? $"c{first}x{vector}"
        : $"{ops}.Max({MaxTree(ops, first, count / 2, vector)}, {MaxTree(ops, first + count / 2, count - count / 2, vector)})";

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
