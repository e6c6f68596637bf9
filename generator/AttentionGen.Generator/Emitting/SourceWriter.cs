using System;
using System.Text;

namespace AttentionGen.Generator.Emitting;

/// <summary>A minimal indented text writer: generated code is written as text, line by line, never as syntax trees.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes an XML doc comment, wrapped at spaces so no line runs past about 120 characters.</summary>
    public void Doc(string text)
    {
        const int Width = 110;
        while (text.Length > Width)
        {
            int cut = text.LastIndexOf(' ', Width);
            if (cut <= 0)
                break;
            Line("/// " + text.Substring(0, cut));
            text = text.Substring(cut + 1);
        }

        Line("/// " + text);
    }

    public void Lines(string lines)
    {
        foreach (string line in lines.Replace("\r\n", "\n").Split('\n'))
            Line(line);
    }

    /// <summary>Writes <paramref name="header"/> (one or more lines), an opening brace, and indents until the returned scope is disposed.</summary>
    public Scope Block(string header)
    {
        Lines(header);
        Line("{");
        _indent++;
        return new Scope(this);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;

        public Scope(SourceWriter writer) => _writer = writer;

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line("}");
        }
    }
}
