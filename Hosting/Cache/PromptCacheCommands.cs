using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aspire70B.Hosting.Cache;

/// <summary>The cache's "Flush prompt cache" command: deletes the prompt cache's keys (by prefix) and nothing else.</summary>
internal static partial class PromptCacheCommands
{
    public static async Task<ExecuteCommandResult> FlushAsync(IResourceWithConnectionString cache, string keyPrefix, ExecuteCommandContext context)
    {
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(cache);
        var connectionString = await cache.ConnectionStringExpression.GetValueAsync(context.CancellationToken)
            ?? throw new InvalidOperationException($"{cache.Name} has no connection string yet.");
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 5000;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
            var database = redis.GetDatabase();
            var deleted = 0L;
            foreach (var endpoint in redis.GetEndPoints())
            {
                var batch = new List<RedisKey>(256);
                await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: keyPrefix + "*", pageSize: 256).WithCancellation(context.CancellationToken))
                {
                    batch.Add(key);
                    if (batch.Count == 256)
                    {
                        deleted += await database.KeyDeleteAsync([.. batch]);
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    deleted += await database.KeyDeleteAsync([.. batch]);
                }
            }

            LogFlushed(logger, deleted, keyPrefix);
            return CommandResults.Success();
        }
        catch (RedisException e)
        {
            LogFlushFailed(logger, e.Message);
            return CommandResults.Failure(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushed the prompt cache: {Deleted} keys under {Prefix}* deleted; nothing else touched.")]
    private static partial void LogFlushed(ILogger logger, long deleted, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flushing the prompt cache failed: {Message}")]
    private static partial void LogFlushFailed(ILogger logger, string message);
}
