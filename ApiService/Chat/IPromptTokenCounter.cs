namespace Aspire70B.ApiService.Chat;

/// <summary>Counts a rendered prompt's tokens, for the context-length check made before any backend call.</summary>
internal interface IPromptTokenCounter
{
    int Count(string prompt);
}
