using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire70B.Tests.Shared;
using CsCheck;
using Xunit.Abstractions;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>
/// Generated requests against the gateway in memory: whatever the body, the answer is a valid completion or a 4xx in
/// OpenAI's error format — never a 5xx, an exception page or a hang. Set ASPIRE70B_PROPERTY_ITERATIONS for longer runs.
/// </summary>
[Collection(InProcessGatewayTests.Name)]
public sealed class GatewayBadInputProperties(InProcessGateway gateway, ITestOutputHelper output)
{
    private static bool IsCompletion(JsonElement answer) =>
        answer.GetProperty("object").GetString() == "chat.completion" && answer.GetProperty("choices").GetArrayLength() >= 1;

    private async Task<(HttpStatusCode Status, string? Error)> PostAsync(string path, byte[] body, string contentType = "application/json")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await gateway.Client.PostAsync(path, content);
        return await ResponseShape.AssertAnswerAsync(response, path == "/v1/chat/completions" ? IsCompletion : null);
    }

    private async Task RunAsync(string name, Gen<byte[]> bodies, long ciIterations, Func<byte[], Task<(HttpStatusCode Status, string? Error)>> send)
    {
        var tally = new StatusTally();
        await bodies.SampleAsync(async body => tally.Add(await send(body)), iter: PropertyRuns.Iterations(ciIterations), print: ResponseShape.Printable);
        output.WriteLine($"{name}: {tally}");
    }

    [Fact]
    public Task ValidChatRequestsAlwaysGetACompletion() =>
        RunAsync("valid chat", OpenAIRequestGen.ValidChat.Select(Encoding.UTF8.GetBytes), 150, async body =>
        {
            var answer = await PostAsync("/v1/chat/completions", body);
            return answer.Status == HttpStatusCode.OK ? answer : throw new InvalidOperationException($"{(int)answer.Status} for a valid request: {answer.Error}");
        });

    [Fact]
    public Task ChatRequestsFromTheSchemaGetAnAnswerOrAnOpenAIError() =>
        RunAsync("chat schema", OpenAIRequestGen.Chat.Select(Encoding.UTF8.GetBytes), 400, body => PostAsync("/v1/chat/completions", body));

    [Fact]
    public Task MutatedChatBodiesGetAnAnswerOrAnOpenAIError() =>
        RunAsync("chat mutations", OpenAIRequestGen.Mutated(OpenAIRequestGen.Chat), 400, body => PostAsync("/v1/chat/completions", body));

    [Fact]
    public Task ExtremeBodiesGetAnAnswerOrAnOpenAIError() =>
        RunAsync("chat extremes", OpenAIRequestGen.Extreme, 60, body => PostAsync("/v1/chat/completions", body));

    [Fact]
    public Task RenderRequestsGetAPromptOrAnOpenAIError() =>
        RunAsync("render", Gen.OneOf<byte[]>(OpenAIRequestGen.Chat.Select(Encoding.UTF8.GetBytes), OpenAIRequestGen.Mutated(OpenAIRequestGen.Chat)), 300,
            body => PostAsync("/v1/chat/completions/render", body));

    [Fact]
    public Task BatchSubmissionsAreStoredOrRefusedWithAnOpenAIError()
    {
        var lines = Gen.Select(OpenAIRequestGen.Chat, Gen.Int[0, 3]).Select((body, i) => $"{{\"custom_id\":\"r{i}\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{body}}}");
        var jsonl = lines.Array[1, 3].Select(l => Encoding.UTF8.GetBytes(string.Join('\n', l)));
        return RunAsync("batches", Gen.OneOf<byte[]>(jsonl, OpenAIRequestGen.Mutated(lines)), 200, body => PostAsync("/v1/batches", body, "application/jsonl"));
    }

    [Fact]
    public Task FileUploadsAreStoredOrRefusedWithAnOpenAIError()
    {
        var lines = Gen.Select(OpenAIRequestGen.Chat, Gen.Int[0, 3]).Select((body, i) => $"{{\"custom_id\":\"r{i}\",\"body\":{body}}}");
        var files = Gen.OneOf<byte[]>(lines.Array[1, 3].Select(l => Encoding.UTF8.GetBytes(string.Join('\n', l))), OpenAIRequestGen.Mutated(lines));
        var uploads = Gen.Select(files, Gen.OneOf<string>("batch", "batch", "fine-tune", ""), Gen.Int[0, 3]);
        return RunAsync("file uploads", uploads.Select((file, purpose, shape) => Encoding.UTF8.GetBytes($"{shape}{purpose}\n").Concat(file).ToArray()), 200, async raw =>
        {
            var newline = Array.IndexOf(raw, (byte)'\n');
            var shape = raw[0] - '0';
            var purpose = Encoding.UTF8.GetString(raw, 1, newline - 1);
            var file = raw[(newline + 1)..];
            HttpContent content = shape switch
            {
                // A well-formed form, a form without the file, the file as a plain field, and raw bytes that claim to be multipart.
                0 => new MultipartFormDataContent { { new StringContent(purpose), "purpose" }, { new ByteArrayContent(file), "file", "in.jsonl" } },
                1 => new MultipartFormDataContent { { new StringContent(purpose), "purpose" } },
                2 => new MultipartFormDataContent { { new StringContent(purpose), "purpose" }, { new ByteArrayContent(file), "file" } },
                _ => new ByteArrayContent(file) { Headers = { ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x") } },
            };
            using (content)
            {
                using var response = await gateway.Client.PostAsync("/v1/files", content);
                return await ResponseShape.AssertAnswerAsync(response, answer => answer.GetProperty("object").GetString() == "file");
            }
        });
    }

    [Fact]
    public Task AnyRouteAndMethodAnswersInOpenAIsFormat()
    {
        var routes = Gen.OneOf<(string, string)>(
            ("GET", "/v1/models"), ("POST", "/v1/models"), ("GET", "/v1/deployment"), ("GET", "/v1/batches/batch_x"),
            ("GET", "/v1/batches/%ff%fe"), ("POST", "/v1/batches/batch_x/cancel"), ("GET", "/v1/batches/batch_x/output"),
            ("POST", "/v1/completions"), ("GET", "/v1/chat/completions"), ("PUT", "/v1/chat/completions"), ("DELETE", "/v1/batches/x"),
            ("POST", "/v1/unknown"), ("GET", "/v1/files/file-x"), ("GET", "/v1/files/file-x/content"), ("DELETE", "/v1/files/file-x"));
        var cases = Gen.Select(routes, OpenAIRequestGen.Mutated(OpenAIRequestGen.Chat));
        return RunAsync("routes", cases.Select(c => Encoding.UTF8.GetBytes(c.Item1.Item1 + " " + c.Item1.Item2 + "\n").Concat(c.Item2).ToArray()), 200, async raw =>
        {
            var newline = Array.IndexOf(raw, (byte)'\n');
            var line = Encoding.UTF8.GetString(raw, 0, newline).Split(' ');
            using var request = new HttpRequestMessage(new HttpMethod(line[0]), line[1]);
            if (line[0] is "POST" or "PUT")
            {
                request.Content = new ByteArrayContent(raw[(newline + 1)..]);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            using var response = await gateway.Client.SendAsync(request);
            return await ResponseShape.AssertAnswerAsync(response);
        });
    }
}
