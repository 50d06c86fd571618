using Aspire70B.ApiService.Errors;
using Aspire70B.ApiService.Extensions;
using Aspire70B.ApiService.Security;
using Aspire70B.Batches;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Batches;

/// <summary>Redis is not there for the batch store; the routes answer 503.</summary>
internal sealed class BatchStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The batch and file stores over the durable batch store's connection (<c>ConnectionStrings:batches</c>, the keyed
/// multiplexer <see cref="RedisClientExtensions.BatchesKey"/>), and the rules the routes share. Batches do not fail
/// open: without their store the batch routes answer 503 rather than accept work they cannot keep.
/// </summary>
internal sealed class BatchStores(IServiceProvider services, IOptions<BatchQueueOptions> options, TimeProvider time)
{
    public Task<BatchStore> BatchesAsync() => Task.FromResult(new BatchStore(Database(), options.Value, time));

    public Task<FileStore> FilesAsync() => Task.FromResult(new FileStore(Database(), options.Value, time));

    // Resolved on first use, not at construction. A multiplexer that is (re)connecting keeps the command in its backlog
    // for up to its async timeout; one that stays down fails it, and the route answers 503.
    private IDatabase Database() =>
        services.GetKeyedService<IConnectionMultiplexer>(RedisClientExtensions.BatchesKey)?.GetDatabase()
            ?? throw new BatchStoreUnavailableException("Batches need Redis: set ConnectionStrings:batches.");

    public static string Tenant(HttpContext context) => context.User.Identity?.Name ?? ApiKeyAuthenticationHandler.LocalTenant;

    /// <summary>Whether the caller owns what <paramref name="owner"/> submitted: another key's data is as good as absent.</summary>
    public static bool Owns(HttpContext context, string? owner) => (owner ?? ApiKeyAuthenticationHandler.LocalTenant) == Tenant(context);

    /// <summary>The batch, if it exists and belongs to the caller.</summary>
    public async Task<BatchStatus?> OwnedBatchAsync(string id, HttpContext context) =>
        await (await BatchesAsync()).GetAsync(id) is { } status && Owns(context, status.Owner) ? status : null;

    /// <summary>Runs a route: OpenAI errors as themselves, a store that is down or failing as 503 with Retry-After.</summary>
    public static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (OpenAIErrorException e)
        {
            return OpenAIErrorResult.From(e);
        }
        catch (Exception e) when (e is BatchStoreUnavailableException or RedisException or TimeoutException)
        {
            return new OpenAIErrorResult(OpenAIError.Unavailable(e is BatchStoreUnavailableException ? e.Message : "The batch store (Redis) is unreachable or failing; retry shortly."), TimeSpan.FromSeconds(5));
        }
    }
}
