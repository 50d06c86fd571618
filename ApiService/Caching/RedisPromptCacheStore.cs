using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Cache entries in Redis (or Garnet) as plain strings with a TTL: GET and SET PX only, which every
/// Redis-compatible server supports. The multiplexer reconnects by itself; until it has, operations fail fast and
/// the store reports itself degraded.
/// </summary>
internal sealed partial class RedisPromptCacheStore : IPromptCacheStore, IDisposable
{
    private volatile ConnectionMultiplexer? _multiplexer;
    private readonly PromptCacheOptions _options;
    private readonly ILogger<RedisPromptCacheStore> _logger;
    private volatile string? _lastError;

    public RedisPromptCacheStore(string connectionString, IOptions<PromptCacheOptions> options, ILogger<RedisPromptCacheStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        var timeout = (int)Math.Max(50, _options.OperationTimeout.TotalMilliseconds);
        // abortConnect=false: start even while Redis is down and keep reconnecting in the background.
        var configuration = $"{connectionString},abortConnect=false,connectTimeout=2000,syncTimeout={timeout},connectRetry=1,keepAlive=5";
        // Connect in the background: no request ever waits for the first connection.
        _lastError = "cache connecting";
        _ = ConnectAsync(configuration);
    }

    public PromptCacheState State =>
        _lastError is null && _multiplexer is { IsConnected: true } ? PromptCacheState.Healthy : PromptCacheState.Degraded;

    public string? LastError => _lastError;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (_multiplexer is not { } multiplexer)
        {
            return null;
        }

        try
        {
            var value = await multiplexer.GetDatabase().StringGetAsync(_options.KeyPrefix + key)
                .WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            _lastError = null;
            return value.IsNull ? null : (byte[]?)value;
        }
        catch (Exception e) when (IsCacheFailure(e, cancellationToken))
        {
            Degrade("read", e);
            return null;
        }
    }

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        if (_multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.GetDatabase().StringSetAsync(_options.KeyPrefix + key, value, timeToLive)
                .WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            _lastError = null;
        }
        catch (Exception e) when (IsCacheFailure(e, cancellationToken))
        {
            Degrade("write", e);
        }
    }

    public void Dispose() => _multiplexer?.Dispose();

    private async Task ConnectAsync(string configuration)
    {
        try
        {
            _multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            if (_multiplexer.IsConnected)
            {
                _lastError = null;
            }
        }
        catch (Exception e) when (e is RedisException or ArgumentException or InvalidOperationException)
        {
            Degrade("connect", e);
        }
    }

    // Everything Redis can throw, and our own timeout; never the caller's cancellation.
    private static bool IsCacheFailure(Exception e, CancellationToken cancellationToken) =>
        e is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private void Degrade(string operation, Exception e)
    {
        var message = e is TimeoutException ? $"cache {operation} timed out" : $"cache {operation} failed: {e.GetType().Name}";
        if (_lastError != message)
        {
            LogCacheDegraded(_logger, operation, e.Message);
        }

        _lastError = message;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Prompt cache {Operation} failed; serving without the cache: {Reason}")]
    private static partial void LogCacheDegraded(ILogger logger, string operation, string reason);
}
