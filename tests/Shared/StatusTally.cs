using System.Collections.Concurrent;
using System.Net;

namespace Aspire70B.Tests.Shared;

/// <summary>How many generated cases ended in which status, and the commonest refusals (thread-safe), for the test output.</summary>
internal sealed class StatusTally
{
    private readonly ConcurrentDictionary<int, int> _counts = new();
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);

    public int Total => _counts.Values.Sum();

    public void Add((HttpStatusCode Status, string? Error) answer)
    {
        _counts.AddOrUpdate((int)answer.Status, 1, (_, n) => n + 1);
        if (answer.Error is { } error)
        {
            _errors.AddOrUpdate(error.Length > 60 ? error[..60] : error, 1, (_, n) => n + 1);
        }
    }

    public override string ToString() =>
        $"{Total} cases: " + string.Join(", ", _counts.OrderBy(c => c.Key).Select(c => $"{c.Key}×{c.Value}"))
        + string.Concat(_errors.OrderByDescending(e => e.Value).Take(8).Select(e => $"\n  {e.Value} × {e.Key}"));
}
