using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Cache entries in Redis (or Garnet) as plain strings with a TTL: GET and SET PX only, which every
/// Redis-compatible server supports. The multiplexer (Aspire's, see <c>AddRedisClients</c>) reconnects by itself;
/// while it is disconnected every operation is a miss at once and the store reports itself degraded.
/// </summary>
internal sealed partial class RedisPromptCacheStore : IPromptCacheStore
{
    private readonly IConnectionMultiplexer _multiplexer;
    private readonly PromptCacheOptions _options;
    private readonly ILogger<RedisPromptCacheStore> _logger;
    private volatile string? _lastError;

    public RedisPromptCacheStore(IConnectionMultiplexer multiplexer, IOptions<PromptCacheOptions> options, ILogger<RedisPromptCacheStore> logger)
    {
        _multiplexer = multiplexer;
        _options = options.Value;
        _logger = logger;
        _multiplexer.ConnectionFailed += (_, e) => Degrade("connection", $"cache connection failed: {e.FailureType}", e.Exception?.Message ?? e.FailureType.ToString());
        _multiplexer.ConnectionRestored += (_, _) => _lastError = null;
    }

    public PromptCacheState State =>
        _lastError is null && _multiplexer.IsConnected ? PromptCacheState.Healthy : PromptCacheState.Degraded;

    public string? LastError => _lastError ?? (_multiplexer.IsConnected ? null : "cache not connected");

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        // First: a reply that is already in (or a cache that is down) must not hide a caller who has gone;
        // WaitAsync hands back a completed task without looking at the token.
        cancellationToken.ThrowIfCancellationRequested();
        if (!_multiplexer.IsConnected)
        {
            return null;
        }

        try
        {
            var value = await _multiplexer.GetDatabase().StringGetAsync(_options.KeyPrefix + key)
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
        cancellationToken.ThrowIfCancellationRequested();
        if (!_multiplexer.IsConnected)
        {
            return;
        }

        try
        {
            await _multiplexer.GetDatabase().StringSetAsync(_options.KeyPrefix + key, value, timeToLive)
                .WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            _lastError = null;
        }
        catch (Exception e) when (IsCacheFailure(e, cancellationToken))
        {
            Degrade("write", e);
        }
    }

    // Everything Redis can throw, and our own timeout; never the caller's cancellation.
    private static bool IsCacheFailure(Exception e, CancellationToken cancellationToken) =>
        e is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private void Degrade(string operation, Exception e) =>
        Degrade(operation, e is TimeoutException ? $"cache {operation} timed out" : $"cache {operation} failed: {e.GetType().Name}", e.Message);

    private void Degrade(string operation, string message, string reason)
    {
        if (_lastError != message)
        {
            LogCacheDegraded(_logger, operation, reason);
        }

        _lastError = message;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Prompt cache {Operation} failed; serving without the cache: {Reason}")]
    private static partial void LogCacheDegraded(ILogger logger, string operation, string reason);
}
