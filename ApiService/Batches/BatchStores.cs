using Aspire70B.ApiService.Errors;
using Aspire70B.ApiService.Security;
using Aspire70B.Batches;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Batches;

/// <summary>The batch and file stores over the durable batch store's connection, and the rules the routes share.</summary>
internal sealed class BatchStores(BatchConnection connection, IOptions<BatchQueueOptions> options, TimeProvider time)
{
    public async Task<BatchStore> BatchesAsync() => new(await connection.DatabaseAsync(), options.Value, time);

    public async Task<FileStore> FilesAsync() => new(await connection.DatabaseAsync(), options.Value, time);

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
            return new OpenAIErrorResult(OpenAIError.Unavailable(e is BatchStoreUnavailableException ? e.Message : "The batch store (Redis) failed; retry shortly."), TimeSpan.FromSeconds(5));
        }
    }
}
