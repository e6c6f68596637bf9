using AttentionGen.Generator.Model;
using static AttentionGen.Generator.Emitting.Formatting;

namespace AttentionGen.Generator.Emitting;

/// <summary>
/// Renders the kernel's entry points on the user's class: <c>Forward</c> and <c>ForwardParallel</c> at the compiled
/// lengths, at a key length, and at a query and key length, and <c>ForwardBatch</c>. Each checks its arguments and
/// hands the call to the runtime's <c>ParallelKernel</c>.
/// </summary>
internal static class ForwardWriter
{
    public static void Write(SourceWriter w, KernelShape s, string implName)
    {
        // With sinks, every overload takes them right after value.
        string spans = s.Sinks ? "query, key, value, sinks, output" : "query, key, value, output";
        string kvSpan = $"global::System.ReadOnlySpan<{s.KvElement}>";
        string parameters = $"\n    {QualifiedReadOnlySpan} query,{(s.KvType == KeyValueType.Float32 ? " " : "\n    ")}{kvSpan} key, {kvSpan} value,"
            + (s.Sinks ? $"\n    {QualifiedReadOnlySpan} sinks, {QualifiedSpan} output" : $"\n    {QualifiedSpan} output");
        // The runtime takes keys and values as bytes of the kernel's KvType.
        string kernelSpans = "query, global::System.Runtime.InteropServices.MemoryMarshal.AsBytes(key),\n    "
            + "global::System.Runtime.InteropServices.MemoryMarshal.AsBytes(value), " + (s.Sinks ? "sinks" : "default") + ", output";
        var docs = new Docs(
            s.Layout == TensorLayout.HeadMajor ? "[Heads, SeqLen, HeadDim]" : "[SeqLen, Heads, HeadDim]",
            s.Layout == TensorLayout.HeadMajor ? "[KvHeads, KvLen, HeadDim]" : "[KvLen, KvHeads, HeadDim]",
            Mask(s), s.Sinks);
        foreach (bool parallel in new[] { false, true })
        {
            string name = parallel ? "ForwardParallel" : "Forward";
            string how = parallel
                ? "spreading heads, query panels and, for one query row, ranges of keys over the machine's cores; the same result as Forward, bitwise."
                : "on the calling thread, with the best code path this machine supports.";

            docs.Write(w, $"for all <see cref=\"SeqLen\"/> query rows and <see cref=\"KvLen\"/> keys, {how}", queryLength: false, kvLength: false);
            w.Line(GeneratedCode);
            w.Lines($"public static void {name}({parameters}) =>");
            w.Line($"    {name}({spans}, SeqLen, KvLen);");
            w.Line();

            docs.Write(w, $"for all <see cref=\"SeqLen\"/> query rows over the first <paramref name=\"kvLength\"/> keys, {how}", queryLength: false, kvLength: true);
            w.Line(GeneratedCode);
            w.Lines($"public static void {name}({parameters}, int kvLength) =>");
            w.Line($"    {name}({spans}, SeqLen, kvLength);");
            w.Line();

            docs.Write(w, $"for the first <paramref name=\"queryLength\"/> query rows over the first <paramref name=\"kvLength\"/> keys, {how}",
                queryLength: true, kvLength: true);
            w.Line(GeneratedCode);
            using (w.Block($"public static void {name}({parameters}, int queryLength, int kvLength)"))
            {
                w.Line("global::AttentionGen.Arguments.AttentionArguments.Validate(query, key, value, output,");
                w.Line("    QueryLength, KeyLength, ValueLength, OutputLength, queryLength, SeqLen, kvLength, KvLen);");
                if (s.Sinks)
                    w.Line(ValidateSinks);
                w.Line($"global::AttentionGen.Kernels.ParallelKernel.{(parallel ? "Run" : "RunSequential")}<{implName}.Work>(");
                w.Lines($"    {kernelSpans}, queryLength, kvLength);");
            }

            w.Line();
        }

        WriteBatch(w, docs, implName, parameters, kernelSpans);
    }

    /// <summary>What the mask does, for the docs: causal, and within a window.</summary>
    private static string Mask(KernelShape s) => s.Window is { } window
        ? $" Query row i of a call with n rows stands at position p = i + kvLength − n and attends key j when <c>p − {window} &lt; j &lt;= p</c>; "
            + "a row with no such key gets zeros."
        : s.Causal
            ? " Query row i of a call with n rows attends key j when <c>j &lt;= i + kvLength − n</c> (bottom-right); a row with no such key gets zeros."
            : string.Empty;

    private static void WriteBatch(SourceWriter w, Docs docs, string implName, string parameters, string kernelSpans)
    {
        w.Doc("<summary>Computes B = <paramref name=\"queryLengths\"/>.Length independent items, item b as <c>Forward</c> with "
            + "<c>queryLengths[b]</c> and <c>kvLengths[b]</c> on its slices, spread over the machine's cores; the same bits from call to "
            + "call for a given core count.</summary>");
        w.Doc($"<param name=\"query\">B items' queries, each {docs.QueryShape} (<see cref=\"QueryLength\"/> floats), one after another.</param>");
        w.Doc($"<param name=\"key\">B items' keys, each {docs.KeyShape} (<see cref=\"KeyLength\"/> floats), one after another.</param>");
        w.Doc($"<param name=\"value\">B items' values, each {docs.KeyShape} (<see cref=\"ValueLength\"/> floats), one after another.</param>");
        if (docs.Sinks)
            w.Doc(SinksDoc + " Shared by every item.</param>");
        w.Doc($"<param name=\"output\">Receives B items' outputs, each {docs.QueryShape}; must not overlap an input.</param>");
        w.Doc("<param name=\"queryLengths\">Each item's query rows, 1 to <see cref=\"SeqLen\"/>; at least one item.</param>");
        w.Doc("<param name=\"kvLengths\">Each item's keys, 1 to <see cref=\"KvLen\"/>; as many as <paramref name=\"queryLengths\"/>.</param>");
        w.Doc("<exception cref=\"global::System.ArgumentOutOfRangeException\">A length is out of its range.</exception>");
        w.Doc("<exception cref=\"global::System.ArgumentException\">No item, the length spans differ in length, a span is shorter than B "
            + "times its element count, or <paramref name=\"output\"/> overlaps an input. Nothing is written.</exception>");
        w.Line(GeneratedCode);
        using (w.Block($"public static void ForwardBatch({parameters},\n    global::System.ReadOnlySpan<int> queryLengths, global::System.ReadOnlySpan<int> kvLengths)"))
        {
            w.Line("global::AttentionGen.Arguments.AttentionArguments.ValidateBatch(query, key, value, output,");
            w.Line("    QueryLength, KeyLength, ValueLength, OutputLength, queryLengths, SeqLen, kvLengths, KvLen);");
            if (docs.Sinks)
                w.Line(ValidateSinks);
            w.Line($"global::AttentionGen.Kernels.ParallelKernel.Run<{implName}.Work>(");
            w.Lines($"    {kernelSpans}, queryLengths, kvLengths);");
        }
    }

    private const string ValidateSinks = "global::AttentionGen.Arguments.AttentionArguments.ValidateSinks(sinks, Heads);";

    private const string SinksDoc = "<param name=\"sinks\">One sink logit per query head (at least <see cref=\"Heads\"/> floats), "
        + "used as given: it joins each row's softmax denominator and attends no value.";

    /// <summary>The XML docs of a <c>Forward</c> overload.</summary>
    private sealed record Docs(string QueryShape, string KeyShape, string Mask, bool Sinks)
    {
        public void Write(SourceWriter w, string what, bool queryLength, bool kvLength)
        {
            w.Doc($"<summary>Computes <c>softmax(Scale · Q·Kᵀ) · V</c> {what}{Mask}</summary>");
            w.Doc($"<param name=\"query\">Queries, {QueryShape}: at least <see cref=\"QueryLength\"/> floats.</param>");
            w.Doc($"<param name=\"key\">Keys, {KeyShape}: at least <see cref=\"KeyLength\"/> floats.</param>");
            w.Doc($"<param name=\"value\">Values, {KeyShape}: at least <see cref=\"ValueLength\"/> floats.</param>");
            if (Sinks)
                w.Doc(SinksDoc + "</param>");
            w.Doc($"<param name=\"output\">Receives the output, {QueryShape}: at least <see cref=\"OutputLength\"/> floats; must not overlap an input.</param>");
            if (queryLength)
            {
                w.Doc("<param name=\"queryLength\">Query rows, 1 to <see cref=\"SeqLen\"/>: only rows below it are read and written, each head "
                    + "keeping its compiled layout (TokenMajor: the dense prefix of queryLength · Heads · HeadDim elements; HeadMajor: each "
                    + "head's first rows).</param>");
            }

            if (kvLength)
                w.Doc("<param name=\"kvLength\">Keys to attend, 1 to <see cref=\"KvLen\"/>: only the first kvLength key and value positions are read.</param>");
            if (queryLength)
                w.Doc("<exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"queryLength\"/> is outside 1..<see cref=\"SeqLen\"/>.</exception>");
            if (kvLength)
                w.Doc("<exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"kvLength\"/> is outside 1..<see cref=\"KvLen\"/>.</exception>");
            w.Doc("<exception cref=\"global::System.ArgumentException\">A span is shorter than its element count, or <paramref name=\"output\"/> "
                + "overlaps an input. Nothing is written.</exception>");
        }
    }
}
