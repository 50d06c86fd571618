using System.Text;
using Aspire70B.ApiService.Chat;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Telemetry;

/// <summary>
/// Gathers what a chat answered, choice by choice, from the events written to the client, for
/// <c>gen_ai.output.messages</c>. Exists only for a recorded span with content capture on; one per request.
/// </summary>
internal sealed class GenAIOutputCollector
{
    private readonly SortedDictionary<int, Choice> _choices = [];

    public void Add(ChatEvent chatEvent)
    {
        switch (chatEvent)
        {
            case ContentDelta delta:
                ChoiceAt(delta.Index).Text.Append(delta.Text);
                break;
            case ToolCallsEvent calls:
                ChoiceAt(calls.Index).ToolCalls.AddRange(calls.Calls);
                break;
            case FinishEvent finish:
                ChoiceAt(finish.Index).FinishReason = finish.Reason;
                break;
        }
    }

    /// <summary>The output messages as JSON; null when nothing was answered.</summary>
    public string? ToJson() => _choices.Count == 0
        ? null
        : GenAIMessages.FromChoices(_choices.Values.Select(c => new OutputChoice(c.Text.ToString(), c.ToolCalls, c.FinishReason)));

    private Choice ChoiceAt(int index)
    {
        if (!_choices.TryGetValue(index, out var choice))
        {
            choice = new Choice();
            _choices[index] = choice;
        }

        return choice;
    }

    private sealed class Choice
    {
        public StringBuilder Text { get; } = new();

        public List<ToolCall> ToolCalls { get; } = [];

        public string? FinishReason { get; set; }
    }
}
