using StackExchange.Redis;

namespace Aspire70B.ApiService.Batches;

/// <summary>Redis is not there for the batch store; the routes answer 503.</summary>
internal sealed class BatchStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The batch store's Redis connection, <c>ConnectionStrings:batches</c>: a server of its own, durable (AOF fsync'd on
/// every write) and never evicting, unlike the prompt cache's (<c>ConnectionStrings:cache</c>), which may lose
/// everything. Batches do not fail open: without their store the batch routes answer 503 rather than accept work they
/// cannot keep.
/// </summary>
internal sealed class BatchConnection : IDisposable
{
    private readonly Task<ConnectionMultiplexer>? _connecting;
    private volatile ConnectionMultiplexer? _multiplexer;

    public BatchConnection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetConnectionString("batches") is { Length: > 0 } redis)
        {
            _connecting = ConnectAsync($"{redis},abortConnect=false,connectTimeout=2000,syncTimeout=2000");
        }
    }

    public async Task<IDatabase> DatabaseAsync()
    {
        if (_connecting is null)
        {
            throw new BatchStoreUnavailableException("Batches need Redis: set ConnectionStrings:batches.");
        }

        var multiplexer = await _connecting.ConfigureAwait(false);
        return multiplexer.IsConnected
            ? multiplexer.GetDatabase()
            : throw new BatchStoreUnavailableException("The batch store (Redis) is unreachable; retry shortly.");
    }

    public void Dispose() => _multiplexer?.Dispose();

    private async Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _multiplexer = multiplexer;
        return multiplexer;
    }
}
