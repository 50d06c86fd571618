using Microsoft.Extensions.Logging;

namespace Aspire70B.ApiService.Tests.Infrastructure;

/// <summary>A logger that keeps every line (event id and formatted message), for tests of what is logged. Thread-safe.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(int EventId, LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_gate)
        {
            _lines.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
