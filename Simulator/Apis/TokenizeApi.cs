using Aspire70B.Simulator.Chat;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary>
/// <c>POST /tokenize</c> (a prompt, or chat messages through the template; no length check) and
/// <c>POST /detokenize</c>, with the same tokenizer the engine counts with.
/// </summary>
internal static class TokenizeApi
{
    public static IEndpointRouteBuilder MapTokenizeApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(string.Empty).AddEndpointFilter<VllmErrorFilter>();
        group.MapPost("/tokenize", TokenizeAsync);
        group.MapPost("/detokenize", DetokenizeAsync);
        return routes;
    }

    private static async Task<RawJsonResult> TokenizeAsync(
        HttpRequest request, SimulatedDeployment deployment, GenerationJobFactory jobs, IChatPromptRenderer chat, CancellationToken cancellationToken)
    {
        var body = new JsonFields(await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false));
        jobs.CheckModel(body.String("model"));
        var tokenizer = deployment.Tokenizer;
        List<int> tokens;
        if (body.Has("messages"))
        {
            tokens = tokenizer.Encode(chat.Render(body.Body), body.Bool("add_special_tokens") ?? false);
        }
        else
        {
            // TokenizeRequest is Union[TokenizeCompletionRequest, TokenizeChatRequest]: pydantic reports both members.
            var prompt = body.String("prompt") ?? throw new VllmErrorException(RequestValidationError.ToVllmError(
            [
                new RequestValidationError("missing", ["TokenizeCompletionRequest", "prompt"], "Field required", PythonRepr.Of(body.Body)),
                new RequestValidationError("missing", ["TokenizeChatRequest", "messages"], "Field required", PythonRepr.Of(body.Body)),
            ]));
            tokens = tokenizer.Encode(prompt, body.Bool("add_special_tokens") ?? true);
        }

        var withStrings = body.Bool("return_token_strs") ?? false;
        return RawJsonResult.Write(StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("count", tokens.Count);
            json.WriteNumber("max_model_len", deployment.MaxModelLen);
            json.WriteStartArray("tokens");
            foreach (var token in tokens)
            {
                json.WriteNumberValue(token);
            }

            json.WriteEndArray();
            if (withStrings)
            {
                json.WriteStartArray("token_strs");
                foreach (var token in tokens)
                {
                    json.WriteStringValue(tokenizer.Decode([token]));
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteNull("token_strs");
            }

            json.WriteEndObject();
        });
    }

    private static async Task<RawJsonResult> DetokenizeAsync(
        HttpRequest request, SimulatedDeployment deployment, GenerationJobFactory jobs, CancellationToken cancellationToken)
    {
        var body = new JsonFields(await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false));
        jobs.CheckModel(body.String("model"));
        if (!body.Has("tokens"))
        {
            throw RequestValidationError.Missing("tokens", body.Body).ToException();
        }

        var tokens = body.IntegerList("tokens");
        foreach (var token in tokens)
        {
            if (token < 0 || token >= deployment.Tokenizer.Vocabulary.VocabSize)
            {
                throw new VllmErrorException(VllmError.BadRequest($"Token id {token} is out of vocabulary"));
            }
        }

        var text = deployment.Tokenizer.Decode(tokens);
        return RawJsonResult.Write(StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("prompt", text);
            json.WriteEndObject();
        });
    }
}
