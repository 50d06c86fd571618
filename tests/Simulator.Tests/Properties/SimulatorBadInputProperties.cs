using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire70B.Simulator.Tests.Infrastructure;
using Aspire70B.Tests.Shared;
using CsCheck;
using Xunit.Abstractions;

namespace Aspire70B.Simulator.Tests.Properties;

/// <summary>
/// Generated requests against the Simulator in memory (Development, echo mode, time scale 0): whatever the body, the
/// answer is a valid completion or a 4xx in vLLM's error object — never a 5xx, an exception page or a hang.
/// </summary>
public sealed class SimulatorBadInputProperties(ITestOutputHelper output) : IAsyncLifetime
{
    private SimulatorFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new SimulatorFactory(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Aspire70B.Simulator.Apis.ErrorHandlingMiddleware"] = "Critical",
        });
        _client = _factory.CreateClient();
        _client.Timeout = PropertyRuns.RequestBound;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static bool IsCompletion(JsonElement answer) =>
        answer.GetProperty("object").GetString() is "chat.completion" or "text_completion" && answer.GetProperty("choices").GetArrayLength() >= 1;

    private async Task RunAsync(string name, string path, Gen<byte[]> bodies, long ciIterations)
    {
        var tally = new StatusTally();
        await bodies.SampleAsync(async body =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.PostAsync(path, content);
            tally.Add(await ResponseShape.AssertAnswerAsync(response, path.EndsWith("completions", StringComparison.Ordinal) ? IsCompletion : null));
        }, iter: PropertyRuns.Iterations(ciIterations), print: ResponseShape.Printable);
        output.WriteLine($"{name}: {tally}");
    }

    private static Gen<byte[]> Bytes(Gen<string> json) => json.Select(Encoding.UTF8.GetBytes);

    [Fact]
    public async Task ValidChatRequestsAlwaysGetACompletion()
    {
        var tally = new StatusTally();
        await Bytes(OpenAIRequestGen.ValidChat).SampleAsync(async body =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.PostAsync("/v1/chat/completions", content);
            var answer = await ResponseShape.AssertAnswerAsync(response, IsCompletion);
            Assert.True(answer.Status == HttpStatusCode.OK, $"{answer.Status} for a valid request: {answer.Error}");
            tally.Add(answer);
        }, iter: PropertyRuns.Iterations(100), print: ResponseShape.Printable);
        output.WriteLine($"simulator valid chat: {tally}");
    }

    [Fact]
    public Task ChatRequestsFromTheSchemaGetAnAnswerOrAVllmError() =>
        RunAsync("simulator chat schema", "/v1/chat/completions", Bytes(OpenAIRequestGen.Chat), 300);

    [Fact]
    public Task MutatedChatBodiesGetAnAnswerOrAVllmError() =>
        RunAsync("simulator chat mutations", "/v1/chat/completions", OpenAIRequestGen.Mutated(OpenAIRequestGen.Chat), 300);

    [Fact]
    public Task CompletionRequestsFromTheSchemaGetAnAnswerOrAVllmError() =>
        RunAsync("simulator completions schema", "/v1/completions", Bytes(OpenAIRequestGen.Completion), 300);

    [Fact]
    public Task MutatedCompletionBodiesGetAnAnswerOrAVllmError() =>
        RunAsync("simulator completions mutations", "/v1/completions", OpenAIRequestGen.Mutated(OpenAIRequestGen.Completion), 300);

    [Fact]
    public Task ExtremeBodiesGetAnAnswerOrAVllmError() =>
        RunAsync("simulator extremes", "/v1/chat/completions", OpenAIRequestGen.Extreme, 40);

    [Fact]
    public Task TokenizeRequestsGetTokensOrAVllmError() =>
        RunAsync("simulator tokenize", "/tokenize", Gen.OneOf<byte[]>(Bytes(OpenAIRequestGen.Completion), Bytes(OpenAIRequestGen.Chat), OpenAIRequestGen.Mutated(OpenAIRequestGen.Completion)), 200);

    [Fact]
    public Task DetokenizeRequestsGetTextOrAVllmError() =>
        RunAsync("simulator detokenize", "/detokenize", Gen.Select(Gen.Int[-5, 200000].Array[0, 8], OpenAIRequestGen.Number.Array[0, 2])
            .Select((ids, odd) => Encoding.UTF8.GetBytes($"{{\"model\":\"{OpenAIRequestGen.Model}\",\"tokens\":[{string.Join(",", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(odd))}]}}")), 200);
}
