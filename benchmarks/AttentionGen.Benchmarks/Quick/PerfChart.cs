using System;
using System.Text;

namespace AttentionGen.Benchmarks.Quick;

/// <summary>A hand-written SVG bar chart (no plotting library for .NET is available here): for each shape, one bar
/// of useful GFLOP/s per single-threaded implementation, with the measured FMA peak as a dashed line.</summary>
public static class PerfChart
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];
    private const int Width = 980, Height = 466, Left = 70, Right = 190, Top = 50, Bottom = 96;

    public static string Svg(QuickResults r)
    {
        int plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double max = r.Limits.PeakGflops;
        foreach (ShapeTimes s in r.Shapes)
            foreach (ImplementationTime t in s.Times)
                if (t.Implementation != PerfReport.Parallel)
                    max = Math.Max(max, PerfReport.Gflops(s.Case, t.Milliseconds));
        double step = max > 100 ? 20 : max > 40 ? 10 : 5, top = Math.Ceiling(max * 1.05 / step) * step;
        double Y(double gflops) => Top + plotHeight * (1 - gflops / top);

        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Useful GFLOP/s per shape, one thread ({r.KernelPath} path)</text>");

        // Axes, grid and tick labels.
        for (double g = 0; g <= top + 1e-9; g += step)
        {
            svg.AppendLine($"<line x1=\"{Left}\" x2=\"{Left + plotWidth}\" y1=\"{Y(g):F1}\" y2=\"{Y(g):F1}\" stroke=\"#e5e5e5\"/>");
            svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{Y(g) + 4:F1}\" text-anchor=\"end\">{g:F0}</text>");
        }

        svg.AppendLine($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
        svg.AppendLine($"<line x1=\"{Left}\" x2=\"{Left + plotWidth}\" y1=\"{Top + plotHeight}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
        svg.AppendLine($"<text transform=\"translate(18,{Top + plotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">GFLOP/s (4·D·H·allowed pairs / time)</text>");
        svg.AppendLine($"<text x=\"{Left + plotWidth / 2}\" y=\"{Height - 14}\" text-anchor=\"middle\">shape</text>");

        // Peak line.
        double peakY = Y(r.Limits.PeakGflops);
        svg.AppendLine($"<line x1=\"{Left}\" x2=\"{Left + plotWidth}\" y1=\"{peakY:F1}\" y2=\"{peakY:F1}\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>");
        svg.AppendLine($"<text x=\"{Left + plotWidth - 4}\" y=\"{peakY - 5:F1}\" text-anchor=\"end\" fill=\"#d62728\">measured FMA peak {r.Limits.PeakGflops:F0}</text>");

        // Bars: one group per shape, one slot per implementation (empty slot when it did not run).
        int groups = Math.Max(1, r.Shapes.Count), slots = PerfReport.Implementations.Length;
        double groupWidth = (double)plotWidth / groups, barWidth = groupWidth * 0.8 / slots;
        for (int g = 0; g < r.Shapes.Count; g++)
        {
            ShapeTimes s = r.Shapes[g];
            double x0 = Left + g * groupWidth + groupWidth * 0.1;
            for (int i = 0; i < slots; i++)
            {
                if (s.Milliseconds(PerfReport.Implementations[i]) is not double ms)
                    continue;
                double gflops = PerfReport.Gflops(s.Case, ms), y = Y(gflops);
                svg.AppendLine($"<rect x=\"{x0 + i * barWidth:F1}\" y=\"{y:F1}\" width=\"{barWidth - 1:F1}\" height=\"{Top + plotHeight - y:F1}\" " +
                               $"fill=\"{Colors[i]}\"><title>{s.Case.Id} {PerfReport.Implementations[i]}: {gflops:F1} GFLOP/s, {ms:F3} ms</title></rect>");
            }

            svg.AppendLine($"<text x=\"{Left + (g + 0.5) * groupWidth:F1}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\" font-weight=\"bold\">{s.Case.Id}</text>");
            // Short lines per shape so neighbouring labels never overlap.
            (string first, string second) = Short(s.Case);
            if (s.Case.Shape.Causal)
                svg.AppendLine($"<text x=\"{Left + (g + 0.5) * groupWidth:F1}\" y=\"{Top + plotHeight + 54}\" text-anchor=\"middle\" font-size=\"9\">causal</text>");
            svg.AppendLine($"<text x=\"{Left + (g + 0.5) * groupWidth:F1}\" y=\"{Top + plotHeight + 32}\" text-anchor=\"middle\" font-size=\"9\">{first}</text>");
            svg.AppendLine($"<text x=\"{Left + (g + 0.5) * groupWidth:F1}\" y=\"{Top + plotHeight + 43}\" text-anchor=\"middle\" font-size=\"9\">{second}</text>");
        }

        // Legend.
        for (int i = 0; i < slots; i++)
        {
            int y = Top + 10 + i * 22, x = Width - Right + 20;
            svg.AppendLine($"<rect x=\"{x}\" y=\"{y - 10}\" width=\"14\" height=\"14\" fill=\"{Colors[i]}\"/>");
            svg.AppendLine($"<text x=\"{x + 20}\" y=\"{y + 2}\">{Escape(PerfReport.Implementations[i])}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static (string First, string Second) Short(ShapeCase c) =>
        ($"S={c.Shape.SeqLen} T={c.Shape.KvLen}",
         $"H={c.Shape.Heads}{(c.Shape.KvHeads != c.Shape.Heads ? "/" + c.Shape.KvHeads : "")} D={c.Shape.HeadDim}");

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
