using System.Text;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Errors;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>Collects chat events and writes OpenAI's chat completion object once every choice has finished.</summary>
internal sealed class JsonChatResponseSink(HttpResponse response, ChunkHeader header) : IChatResponseSink
{
    private readonly SortedDictionary<int, (StringBuilder Text, IReadOnlyList<ToolCall> Calls, string? Finish)> _choices = [];
    private CompletionUsage _usage = new(0, 0);
    private bool _fromCache;

    public bool Started { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WriteAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        switch (chatEvent)
        {
            case ContentDelta delta:
                Choice(delta.Index).Text.Append(delta.Text);
                break;
            case ToolCallsEvent calls:
                _choices[calls.Index] = Choice(calls.Index) with { Calls = calls.Calls };
                break;
            case FinishEvent finish:
                _choices[finish.Index] = Choice(finish.Index) with { Finish = finish.Reason };
                break;
            case UsageEvent usage:
                _usage = usage.Usage;
                _fromCache = usage.FromCache;
                break;
        }

        return Task.CompletedTask;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var choices = _choices.Select(c => new ChoiceResult(c.Key, c.Value.Text.ToString(), c.Value.Calls, c.Value.Finish ?? "stop")).ToList();
        Started = true;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var body = ChatResponseJson.Completion(header, choices, _usage, _fromCache);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public Task FailAsync(OpenAIError error, TimeSpan? retryAfter, CancellationToken cancellationToken) =>
        OpenAIErrorResult.WriteAsync(response, error, retryAfter, cancellationToken);

    private (StringBuilder Text, IReadOnlyList<ToolCall> Calls, string? Finish) Choice(int index)
    {
        if (!_choices.TryGetValue(index, out var choice))
        {
            choice = (new StringBuilder(), [], null);
            _choices[index] = choice;
        }

        return choice;
    }
}
