using System.Runtime.CompilerServices;
using System.Text;

namespace Aspire70B.Connector.Wire;

/// <summary>
/// Reads the <c>data</c> of server-sent events from a response stream as they arrive: one string per event, the
/// lines of a multi-line event joined with <c>\n</c>, comments and other fields skipped. Ends when the stream ends.
/// </summary>
internal static class SseEventReader
{
    public static async IAsyncEnumerable<string> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return data.ToString();
                    data.Clear();
                    hasData = false;
                }

                continue;
            }

            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line.AsSpan(5);
            if (value.Length > 0 && value[0] == ' ')
            {
                value = value[1..];
            }

            if (hasData)
            {
                data.Append('\n');
            }

            data.Append(value);
            hasData = true;
        }

        // An event must end with a blank line; a trailing one without it was cut off and is not delivered.
    }
}
