using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// <c>continue_final_message</c> as Hugging Face implements it (vLLM passes the flag to <c>apply_chat_template</c>):
/// render the conversation with the final message in it, find the last occurrence of that message's stripped text, and
/// cut the prompt right after it, keeping the message's leading spaces only if the template kept them too.
/// </summary>
internal static class FinalMessagePrefill
{
    public const string NotFoundMessage =
        "continue_final_message is set but the final message does not appear in the chat after applying the chat template! "
        + "This can happen if the chat template deletes portions of the final message. Please verify the chat template and "
        + "final message in your chat to ensure they are compatible.";

    public static string Cut(string rendered, string finalMessage)
    {
        var stripped = PyString.Strip(finalMessage);
        var location = stripped.Length == 0 ? rendered.Length : rendered.LastIndexOf(stripped, StringComparison.Ordinal);
        if (location < 0)
        {
            throw new ChatTemplateException(NotFoundMessage, "ValueError");
        }

        var leftStripped = PyString.LStrip(finalMessage);
        var available = Math.Min(leftStripped.Length, rendered.Length - location);
        var keepsSpacing = rendered.Substring(location, available) == finalMessage;
        return rendered[..(location + (keepsSpacing ? leftStripped.Length : stripped.Length))];
    }
}
