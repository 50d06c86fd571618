using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Caching;
using Aspire70B.ApiService.Errors;
using Aspire70B.ApiService.Routing;
using Aspire70B.ApiService.Telemetry;
using Aspire70B.Serving.Templates;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// <c>POST /v1/chat/completions</c>, step by step: read → check parameters → render the template → check the
/// context → cache lookup → backend (single-flight for cacheable requests) → map the output → write it as JSON or
/// SSE → store. Each step is its own type; this one only puts them in order and turns failures into OpenAI errors.
/// </summary>
internal sealed partial class ChatCompletionHandler(
    GatewayDeployment deployment,
    IOptions<GatewayOptions> options,
    IPromptTokenCounter tokenCounter,
    PromptCache cache,
    SingleFlight<CompletionChunk> flights,
    ReplicaRouter router,
    GatewayTelemetry telemetry,
    IOptions<BackendOptions> backendOptions,
    TimeProvider time,
    ILogger<ChatCompletionHandler> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var started = time.GetTimestamp();
        var tenant = context.User.Identity?.Name ?? Security.ApiKeyAuthenticationHandler.LocalTenant;
        ChatPlan plan;
        try
        {
            plan = await PrepareAsync(context, tenant, aborted);
        }
        catch (OpenAIErrorException e)
        {
            await OpenAIErrorResult.WriteAsync(context.Response, e.Error, e.RetryAfter, aborted);
            return;
        }

        using var activity = GatewayTelemetry.StartChat(deployment.ServedModelName, plan.Backend.MaxTokens, plan.Parameters.Temperature, plan.Parameters.TopP);
        GenAIOutputCollector? output = null;
        if (telemetry.RecordsContent(activity) && plan.Content is { } content)
        {
            activity.SetTag("gen_ai.system_instructions", content.SystemInstructions);
            activity.SetTag("gen_ai.input.messages", content.InputMessages);
            output = new GenAIOutputCollector();
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var header = new ChunkHeader(id, created, deployment.ServedModelName);
        IChatResponseSink sink = plan.Parameters.Stream
            ? new SseChatResponseSink(context.Response, header, plan.Parameters.N, plan.Parameters.IncludeUsage)
            : new JsonChatResponseSink(context.Response, header);
        var finishes = new List<string>();
        var usage = new CompletionUsage(0, 0);
        TimeSpan? firstToken = null;
        string? errorType = null;
        var cacheResult = "bypass";
        var completed = false;
        try
        {
            var storeMark = cache.StoreMark;
            IAsyncEnumerable<CompletionChunk> source;
            if (plan.Cache.Read && await cache.GetAsync(plan.Cache.Key!, aborted) is { } hit)
            {
                // Replayed through the same path as a model's answer, its chunks marked as the cache's.
                cacheResult = "hit";
                source = Replay(hit);
            }
            else
            {
                // A cache that failed the lookup (down, slow) was not used: the answer comes from the model (fail-open)
                // and the client is told so, the same as a request the cache does not apply to.
                cacheResult = plan.Cache.Applies && cache.State == PromptCacheState.Healthy ? "miss" : "bypass";
                source = Source(plan, storeMark, out var joined);
                if (joined)
                {
                    telemetry.SingleFlightJoins.Add(1);
                }
            }

            context.Response.Headers["x-cache"] = cacheResult;
            telemetry.CacheRequests.Add(1, new KeyValuePair<string, object?>("result", cacheResult));

            var mapper = new ChatOutputMapper(deployment.Template, plan.ToolNames, plan.Parameters.ToolChoice);
            var events = new List<ChatEvent>(4);
            await using var chunks = source.GetAsyncEnumerator(aborted);
            var first = true;
            while (await NextAsync(chunks, sink, aborted))
            {
                var chunk = chunks.Current;
                // The first chunk, not "before the response has started": a JSON answer starts only at its end.
                if (first)
                {
                    first = false;
                    // An answer asked for in one piece arrives whole: its first token's time is not known.
                    firstToken = chunk.Source == ChunkSource.Streamed ? time.GetElapsedTime(started) : null;
                    if (chunk.Source == ChunkSource.Cache)
                    {
                        cacheResult = "hit";
                        context.Response.Headers["x-cache"] = cacheResult;
                    }
                    else if ((chunk.Replica ?? router.SingleName) is { } replica)
                    {
                        context.Response.Headers[RoutingTelemetry.ReplicaHeader] = replica;
                        activity?.SetTag(RoutingTelemetry.ReplicaAttribute, replica);
                    }

                    await sink.StartAsync(aborted);
                }

                events.Clear();
                mapper.Map(chunk, events);
                foreach (var chatEvent in events)
                {
                    if (chatEvent is FinishEvent finish)
                    {
                        finishes.Add(finish.Reason);
                    }
                    else if (chatEvent is UsageEvent u)
                    {
                        usage = u.Usage;
                    }

                    output?.Add(chatEvent);
                    await sink.WriteAsync(chatEvent, aborted);
                }
            }

            await sink.CompleteAsync(aborted);
            completed = true;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            errorType = "client_cancelled";
            LogClientCancelled(logger, id);
        }
        catch (BackendException e)
        {
            errorType = e.Failure.ToString();
            LogBackendFailed(logger, id, e.Failure, e.Message);
            var (error, retryAfter) = Map(e, sink.Started);
            await sink.FailAsync(error, retryAfter, aborted);
        }
        finally
        {
            // Anything else escaping (the error middleware answers it) still ends the span as a failure.
            errorType ??= completed ? null : "_OTHER";
            if (output?.ToJson() is { } answer)
            {
                activity?.SetTag("gen_ai.output.messages", answer);
            }

            telemetry.RecordChat(activity, new ChatOutcome(
                deployment.ServedModelName, id, cacheResult, finishes, usage.PromptTokens, usage.CompletionTokens, time.GetElapsedTime(started), firstToken, errorType));
        }
    }

    private async Task<ChatPlan> PrepareAsync(HttpContext context, string tenant, CancellationToken cancellationToken)
    {
        using var document = await ChatBodyReader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        var root = document.RootElement;
        var parameters = ChatParametersReader.Read(root);
        if (parameters.Model is { } model && !string.Equals(model, deployment.ServedModelName, StringComparison.Ordinal))
        {
            throw new OpenAIErrorException(OpenAIError.NotFound($"The model `{model}` does not exist.", "model"));
        }

        string prompt;
        IReadOnlyCollection<string> toolNames;
        try
        {
            var templateRequest = ChatTemplateRequest.FromJson(root);
            if (parameters.ToolChoice.Mode == ToolChoiceMode.None)
            {
                // As vLLM's --exclude-tools-when-tool-choice-none: a model that is not to call tools is not shown them.
                templateRequest = templateRequest.WithoutTools();
            }

            toolNames = templateRequest.ToolNames;
            prompt = deployment.Template.Render(templateRequest, deployment.SpecialTokens);
        }
        catch (InvalidChatRequestException e)
        {
            // Includes SpecialTokenException: a message that spells a special token.
            throw new OpenAIErrorException(OpenAIError.BadRequest(e.Message, "messages"));
        }
        catch (ChatTemplateException e)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(e.Message, "messages"));
        }

        var promptTokens = tokenCounter.Count(prompt);
        var maxLen = deployment.MaxModelLen;
        var maxTokens = parameters.MaxTokens ?? Math.Max(1, Math.Min(deployment.DefaultMaxTokens, maxLen - promptTokens));
        // The pinned vLLM's (0.11.0) two context-length messages, in OpenAI's error shape; like vLLM, no param.
        if (promptTokens >= maxLen)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"This model's maximum context length is {maxLen} tokens. However, your request has {promptTokens} input tokens. Please reduce the length of the input messages.")));
        }

        if (promptTokens + maxTokens > maxLen)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"'max_tokens' or 'max_completion_tokens' is too large: {maxTokens}. This model's maximum context length is {maxLen} tokens and your request has {promptTokens} input tokens ({maxTokens} > {maxLen} - {promptTokens}).")));
        }

        IReadOnlyList<KeyValuePair<string, string>> forwarded = [.. backendOptions.Value.ForwardHeaders
            .Where(name => context.Request.Headers.ContainsKey(name))
            .Select(name => KeyValuePair.Create(name, context.Request.Headers[name].ToString()))];
        var decision = cache.Decide(context.Request, parameters, tenant, deployment.Profile.Name, deployment.Template.Id, prompt, maxTokens, forwarded);
        var request = new CompletionRequest
        {
            Model = router.RequestModel,
            Prompt = prompt,
            MaxTokens = maxTokens,
            N = parameters.N,
            Temperature = parameters.Temperature,
            TopP = parameters.TopP,
            TopK = parameters.TopK,
            MinP = parameters.MinP,
            PresencePenalty = parameters.PresencePenalty,
            FrequencyPenalty = parameters.FrequencyPenalty,
            RepetitionPenalty = parameters.RepetitionPenalty,
            Seed = parameters.Seed,
            Stop = parameters.Stop,
            StopTokenIds = deployment.Template.StopTokenIds,
            StructuredOutputsJson = parameters.StructuredOutputsJson,
            CacheSalt = tenant,
            ForwardedHeaders = forwarded,
            // A cacheable request is a single flight others may join, streaming or not.
            Streamed = parameters.Stream || decision.Applies,
        };
        // Prompts go on spans only when asked for (and read now, while the request's JSON is still at hand).
        var content = telemetry.WantsContent && root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
            ? GenAIMessages.FromOpenAIMessages(messages)
            : null;
        return new ChatPlan(parameters, request, decision, toolNames, content);
    }

    private IAsyncEnumerable<CompletionChunk> Source(ChatPlan plan, long storeMark, out bool joined)
    {
        if (!plan.Cache.Applies)
        {
            joined = false;
            return Produce(plan.Backend, null, CancellationToken.None);
        }

        // The producer is chosen once this request's flight is registered: a flight for the same key that ended before
        // then had stored its answer, so the cache is read again. (Asked when the flight starts, not before joining it:
        // an answer stored in between would still be missed.)
        var storeKey = plan.Cache.Write ? plan.Cache.Key : null;
        var items = flights.Join(plan.Cache.Key!, ct => plan.Cache.Read && cache.StoredSince(plan.Cache.Key!, storeMark)
            ? LookAgainThenProduce(plan, storeKey, ct)
            : Produce(plan.Backend, storeKey, ct), out var leader);
        joined = !leader;
        return items;
    }

    /// <summary>
    /// The answer stored since this request looked, as chunks marked <see cref="ChunkSource.Cache"/>; the model's when
    /// it is still not there (the store dropped the write, or another key in the same slot was stored).
    /// </summary>
    private async IAsyncEnumerable<CompletionChunk> LookAgainThenProduce(ChatPlan plan, string? storeKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stored = await cache.GetAsync(plan.Cache.Key!, cancellationToken);
        telemetry.CacheRequests.Add(1, new KeyValuePair<string, object?>("result", stored is null ? "miss" : "hit"));
        var chunks = stored is null ? Produce(plan.Backend, storeKey, cancellationToken) : Replay(stored);
        await foreach (var chunk in chunks.WithCancellation(cancellationToken))
        {
            yield return chunk;
        }
    }

    /// <summary>A stored answer as the chunks of a model call, each marked <see cref="ChunkSource.Cache"/>: its choices
    /// whole, then the original call's usage.</summary>
    private static async IAsyncEnumerable<CompletionChunk> Replay(CachedCompletion stored)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var choice in stored.Choices)
        {
            yield return new CompletionChunk(choice.Index, choice.Text, choice.FinishReason, choice.StopReason, null) { Source = ChunkSource.Cache };
        }

        yield return new CompletionChunk(0, "", null, null, stored.Usage) { Source = ChunkSource.Cache };
    }

    /// <summary>
    /// Streams the backend's chunks under a <c>text_completion</c> span; once the stream has finished normally, stores it
    /// when <paramref name="storeKey"/> is set.
    /// </summary>
    private async IAsyncEnumerable<CompletionChunk> Produce(CompletionRequest request, string? storeKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var activity = GatewayTelemetry.StartTextCompletion(request, router.FixedEndpoint);
        if (telemetry.RecordsContent(activity))
        {
            activity.SetTag("gen_ai.input.messages", GenAIMessages.FromPrompt(request.Prompt));
        }

        var texts = new SortedDictionary<int, (StringBuilder Text, string? Finish, string? Stop)>();
        CompletionUsage? usage = null;
        RoutedStream? routed = null;
        string? errorType = null;
        var finished = false;
        try
        {
            try
            {
                routed = await router.OpenAsync(request, cancellationToken);
            }
            catch (Exception e)
            {
                errorType = GatewayTelemetry.ErrorType(e);
                throw;
            }

            RoutingTelemetry.Tag(activity, routed.Value.Replica, server: router.FixedEndpoint is null);
            // With several replicas the first chunk names the one that answered (single-flight followers see it too).
            var replica = router.SingleName is null ? routed.Value.Replica.Name : null;
            var first = true;
            await using var chunks = routed.Value.Stream.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                CompletionChunk chunk;
                try
                {
                    if (!await chunks.MoveNextAsync())
                    {
                        break;
                    }

                    chunk = chunks.Current;
                }
                catch (Exception e)
                {
                    errorType = GatewayTelemetry.ErrorType(e);
                    throw;
                }

                if (chunk.Usage is { } u)
                {
                    usage = u;
                }
                else
                {
                    if (!texts.TryGetValue(chunk.Index, out var entry))
                    {
                        entry = (new StringBuilder(), null, null);
                    }

                    // A model server that breaks the protocol is a broken upstream (502), not a gateway error (500),
                    // and what it sent is neither answered nor stored.
                    if (entry.Finish is not null || chunk.Index < 0 || chunk.Index >= request.N)
                    {
                        var broken = new BackendException(BackendFailure.Broken, string.Create(CultureInfo.InvariantCulture,
                            $"The model server sent output for choice {chunk.Index} of {request.N}{(entry.Finish is null ? "" : " after it had finished")}."));
                        errorType = GatewayTelemetry.ErrorType(broken);
                        throw broken;
                    }

                    entry.Text.Append(chunk.Text);
                    texts[chunk.Index] = chunk.FinishReason is null ? entry : (entry.Text, chunk.FinishReason, chunk.StopReason);
                }

                yield return first ? chunk with { Replica = replica, Source = routed.Value.Stream.Streamed ? ChunkSource.Streamed : ChunkSource.WholeAnswer } : chunk;
                first = false;
            }

            finished = true;
        }
        finally
        {
            if (routed is { } open)
            {
                await open.ReleaseAsync();
            }

            // A consumer that stopped reading (its client left, or every single-flight follower did) cancelled the call.
            if (activity is { IsAllDataRequested: true })
            {
                GatewayTelemetry.RecordTextCompletion(activity, routed?.Stream.ResponseId, request.Model,
                    [.. texts.Values.Where(t => t.Finish is not null).Select(t => t.Finish!)], usage, finished ? null : errorType ?? "cancelled");
                if (telemetry.RecordsContent(activity) && texts.Count > 0)
                {
                    activity.SetTag("gen_ai.output.messages", GenAIMessages.FromChoices(texts.Values.Select(t => new OutputChoice(t.Text.ToString(), [], t.Finish))));
                }
            }

            activity?.Dispose();
        }

        if (storeKey is not null && usage is not null && texts.Count == request.N && texts.Values.All(t => t.Finish is "stop" or "length"))
        {
            var entry = new CachedCompletion([.. texts.Select(t => new CachedChoice(t.Key, t.Value.Text.ToString(), t.Value.Finish!, t.Value.Stop))], usage);
            await cache.SetAsync(storeKey, entry, CancellationToken.None);
        }
    }

    /// <summary>
    /// The next chunk. When it is not there yet, what has been written is flushed first: the client then has every
    /// event the gateway has while it waits, and events that arrived together leave in one write.
    /// </summary>
    private static async ValueTask<bool> NextAsync(IAsyncEnumerator<CompletionChunk> chunks, IChatResponseSink sink, CancellationToken cancellationToken)
    {
        var next = chunks.MoveNextAsync();
        if (!next.IsCompleted && sink.Started)
        {
            try
            {
                await sink.FlushAsync(cancellationToken);
            }
            catch
            {
                // The client is gone (its token cancels the read too): let the read finish before the enumerator is disposed.
                try
                {
                    await next;
                }
                catch (Exception e) when (e is OperationCanceledException or BackendException)
                {
                }

                throw;
            }
        }

        return await next;
    }

    private (OpenAIError Error, TimeSpan? RetryAfter) Map(BackendException e, bool started) => e.Failure switch
    {
        BackendFailure.Rejected when !started => (OpenAIError.BadRequest(e.Message), null),
        BackendFailure.Unauthorized => (OpenAIError.BadGateway("The model server refused the gateway's credentials."), null),
        BackendFailure.Unavailable => (OpenAIError.Unavailable("The model server is unavailable; retry shortly."), backendOptions.Value.RetryAfter),
        BackendFailure.Timeout => (OpenAIError.Timeout("The model server did not answer in time."), null),
        BackendFailure.ColdStart => (OpenAIError.Unavailable($"The model is still starting (cold start); retry after {backendOptions.Value.ColdStartRetryAfter.TotalSeconds:0} s."), backendOptions.Value.ColdStartRetryAfter),
        BackendFailure.Redirected => (OpenAIError.BadGateway(e.Message), null),
        _ => (OpenAIError.BadGateway($"The model server failed mid-response: {e.Message}"), null),
    };

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Client cancelled chat completion {Id}; the backend request was aborted")]
    private static partial void LogClientCancelled(ILogger logger, string id);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Chat completion {Id} failed at the model server ({Failure}): {Reason}")]
    private static partial void LogBackendFailed(ILogger logger, string id, BackendFailure failure, string reason);

    private sealed record ChatPlan(ChatParameters Parameters, CompletionRequest Backend, CacheDecision Cache, IReadOnlyCollection<string> ToolNames, ChatContent? Content);
}
