using Aspire.Hosting.ApplicationModel;
using Aspire70B.Hosting.Cache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// Redis-compatible servers without a container runtime (<c>redis-server</c>, Garnet), the resolver's choice among them
/// and a Redis container, durable or not, and the prompt cache's "Flush prompt cache" command.
/// </summary>
public static partial class RedisCompatibleBuilderExtensions
{
    /// <summary>The prefix of every prompt-cache key (ApiService's <c>PromptCache:KeyPrefix</c> default).</summary>
    public const string PromptCacheKeyPrefix = "aspire70b:prompt-cache:";

    /// <summary>
    /// <c>redis-server</c> on a loopback port. With <paramref name="dataDirectory"/>, every acknowledged write is kept there
    /// and nothing is evicted (<c>--appendonly yes --appendfsync always --maxmemory-policy noeviction</c>); without,
    /// nothing is kept (<c>--save "" --appendonly no</c>).
    /// </summary>
    public static IResourceBuilder<RedisCompatibleResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name,
        string redisServer = "redis-server", string? dataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resource = new RedisCompatibleResource(name, redisServer, builder.AppHostDirectory, CacheSource.RedisServer) { DataDirectory = dataDirectory };
        string[] persistence = dataDirectory is null
            ? ["--save", "", "--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--dir", dataDirectory];
        return builder.AddRedisCompatible(resource, ["--bind", "127.0.0.1", "--port", resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort), .. persistence]);
    }

    /// <summary>
    /// Garnet on a loopback port: <paramref name="garnetServer"/> is a program built on Microsoft.Garnet that takes
    /// garnet-server's options (this repository's <c>GarnetServer</c> project), run with <c>dotnet</c>: no tool restore.
    /// With <paramref name="dataDirectory"/>, every acknowledged write is kept there (an AOF committed on every write,
    /// checkpoints beside it, recovered at start).
    /// </summary>
    public static IResourceBuilder<RedisCompatibleResource> AddGarnet(this IDistributedApplicationBuilder builder, string name,
        string garnetServer, string? dataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(garnetServer);
        var resource = new RedisCompatibleResource(name, "dotnet", Path.GetDirectoryName(garnetServer) ?? ".", CacheSource.Garnet) { DataDirectory = dataDirectory };
        string[] persistence = dataDirectory is null
            ? []
            : ["--aof", "--aof-commit-freq", "0", "--checkpointdir", dataDirectory, "--recover"];
        return builder.AddRedisCompatible(resource,
            [garnetServer, "--bind", "127.0.0.1", "--port", resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort), .. persistence]);
    }

    /// <summary>
    /// The server <paramref name="choice"/> names: the configured connection string, a Redis container (with a data
    /// volume and an append-only file when durable), <c>redis-server</c> or Garnet. The reason is written to the
    /// resource's log and shown as its <c>cache.choice</c> property. <paramref name="garnetServer"/>: see <see cref="AddGarnet"/>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisCompatible(this IDistributedApplicationBuilder builder, string name,
        CacheChoice choice, string garnetServer, string? dataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(choice);
        IResourceBuilder<IResourceWithConnectionString> server = choice.Source switch
        {
            CacheSource.Configured => builder.AddConnectionString(name),
            CacheSource.Container => dataDirectory is null
                ? builder.AddRedis(name)
                : builder.AddRedis(name).WithDataVolume().WithArgs("--appendonly", "yes", "--appendfsync", "always"),
            CacheSource.RedisServer => builder.AddRedisServer(name, choice.RedisServerPath ?? "redis-server", dataDirectory),
            _ => builder.AddGarnet(name, garnetServer, dataDirectory),
        };
        builder.Eventing.Subscribe<InitializeResourceEvent>(server.Resource, async (e, _) =>
        {
            LogChoice(e.Logger, choice.Label, choice.Reason);
            await e.Notifications.PublishUpdateAsync(e.Resource, s => s with { Properties = [.. s.Properties, new("cache.choice", $"{choice.Label}: {choice.Reason}")] });
        });
        return server;
    }

    /// <summary>"Flush prompt cache": deletes the keys under <paramref name="keyPrefix"/> only, never batch data.</summary>
    public static IResourceBuilder<T> WithFlushPromptCacheCommand<T>(this IResourceBuilder<T> builder, string keyPrefix = PromptCacheKeyPrefix)
        where T : IResourceWithConnectionString
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithCommand("flush-prompt-cache", "Flush prompt cache", context => PromptCacheCommands.FlushAsync(builder.Resource, keyPrefix, context),
            new CommandOptions
            {
                Description = $"Delete the prompt cache's keys ({keyPrefix}*); batch data and anything else stay.",
                IconName = "Delete",
                ConfirmationMessage = "Delete every cached prompt? Batches are not touched.",
                UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
    }

    private static IResourceBuilder<RedisCompatibleResource> AddRedisCompatible(this IDistributedApplicationBuilder builder, RedisCompatibleResource resource, object[] args)
    {
        var healthKey = $"{resource.Name}_ping";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey, _ => new RedisPingHealthCheck(resource), failureStatus: null, tags: null));
        if (resource.DataDirectory is { } data)
        {
            Directory.CreateDirectory(data);
        }

        return builder.AddResource(resource)
            .WithEndpoint(name: RedisCompatibleResource.EndpointName, scheme: "tcp")
            .WithArgs(args)
            .WithHealthCheck(healthKey);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chose {Label}: {Reason}")]
    private static partial void LogChoice(ILogger logger, string label, string reason);
}
