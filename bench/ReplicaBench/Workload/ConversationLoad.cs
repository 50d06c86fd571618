using System.Collections.Concurrent;

namespace Aspire70B.ReplicaBench.Workload;

/// <summary>
/// Closed-loop users, each in a conversation: every turn resends the history plus the previous answer, the next turn
/// is sent as soon as the answer ended, and after <c>turns</c> turns (or a failed one) the user starts a new
/// conversation under the same system prompt. Every chat's outcome is kept, for the caller to cut into phases.
/// </summary>
internal sealed class ConversationLoad(ChatStreamClient client, ConversationScript script, string model, int turns, int maxTokens)
{
    public ConcurrentQueue<TurnOutcome> Outcomes { get; } = new();

    /// <summary>Runs <paramref name="users"/> users until <paramref name="stop"/> is cancelled; chats in flight then end as cancelled.</summary>
    public Task RunAsync(int users, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, users).Select(user => Task.Run(() => UserAsync(user, stop), CancellationToken.None)));

    private async Task UserAsync(int user, CancellationToken stop)
    {
        // Each user's words are its own and the same in every run, so configurations see the same prompts.
        var random = new Random(1_000 + user);
        var systemPrompt = script.SystemPrompts[user % script.SystemPrompts.Count];
        while (!stop.IsCancellationRequested)
        {
            var conversation = new Conversation(systemPrompt, model);
            while (conversation.Turns < turns && !stop.IsCancellationRequested)
            {
                var outcome = await client.StreamAsync(conversation.Ask(ConversationScript.UserTurn(random), maxTokens), stop);
                Outcomes.Enqueue(outcome);
                if (outcome.Result != TurnResult.Succeeded)
                {
                    break;
                }

                conversation.Answered(outcome.Answer);
            }
        }
    }
}
