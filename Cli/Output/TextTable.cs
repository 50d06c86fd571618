namespace Aspire70B.Cli.Output;

/// <summary>A plain-text table with aligned columns: readable in a terminal and stable in a log or a test.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    /// <param name="columns">Column headers; a header starting with '>' is right-aligned (numbers).</param>
    public TextTable(params string[] columns)
    {
        _headers = [.. columns.Select(c => c.TrimStart('>'))];
        _rightAligned = [.. columns.Select(c => c.StartsWith('>'))];
    }

    public void AddRow(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"Expected {_headers.Length} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void Write(TextWriter writer)
    {
        var widths = _headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        WriteLine(writer, _headers, widths);
        WriteLine(writer, [.. widths.Select(w => new string('-', w))], widths);
        foreach (var row in _rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    private void WriteLine(TextWriter writer, string[] cells, int[] widths)
    {
        var parts = cells.Select((c, i) => _rightAligned[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
        writer.WriteLine(string.Join("  ", parts).TrimEnd());
    }
}
