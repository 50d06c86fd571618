using System.Text.Json;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Apis;

/// <summary>The chat routes under <c>/v1</c>: completions and the prompt preview.</summary>
internal static class ChatApi
{
    public static RouteGroupBuilder MapChatApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletionHandler handler) => handler.HandleAsync(context));
        v1.MapPost("/chat/completions/render", RenderAsync);
        return v1;
    }

    /// <summary>The exact prompt the gateway would send for a chat request, and its (approximate) token count.</summary>
    private static async Task<IResult> RenderAsync(HttpContext context, GatewayDeployment deployment, IPromptTokenCounter counter, Microsoft.Extensions.Options.IOptions<GatewayOptions> options)
    {
        try
        {
            using var document = await ChatBodyReader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
            var prompt = deployment.Template.Render(ChatTemplateRequest.FromJson(document.RootElement), deployment.SpecialTokens);
            return TypedResults.Json(new RenderResponse(deployment.ServedModelName, deployment.Template.Id, prompt, counter.Count(prompt)));
        }
        catch (OpenAIErrorException e)
        {
            return OpenAIErrorResult.From(e);
        }
        catch (Exception e) when (e is InvalidChatRequestException or ChatTemplateException or JsonException)
        {
            return new OpenAIErrorResult(OpenAIError.BadRequest(e.Message, "messages"));
        }
    }

    private sealed record RenderResponse(
        [property: System.Text.Json.Serialization.JsonPropertyName("model")] string Model,
        [property: System.Text.Json.Serialization.JsonPropertyName("template")] string Template,
        [property: System.Text.Json.Serialization.JsonPropertyName("prompt")] string Prompt,
        [property: System.Text.Json.Serialization.JsonPropertyName("prompt_tokens")] int PromptTokens);
}
