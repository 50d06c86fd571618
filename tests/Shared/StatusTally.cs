using System.Collections.Concurrent;
using System.Net;

namespace Aspire70B.Tests.Shared;

/// <summary>How many generated cases ended in which status (thread-safe), for the test output.</summary>
internal sealed class StatusTally
{
    private readonly ConcurrentDictionary<int, int> _counts = new();

    public int Total => _counts.Values.Sum();

    public void Add(HttpStatusCode status) => _counts.AddOrUpdate((int)status, 1, (_, n) => n + 1);

    public override string ToString() =>
        $"{Total} cases: " + string.Join(", ", _counts.OrderBy(c => c.Key).Select(c => $"{c.Key}×{c.Value}"));
}
