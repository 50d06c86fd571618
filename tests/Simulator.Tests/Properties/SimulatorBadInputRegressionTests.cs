using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire70B.Simulator.Chat;
using Aspire70B.Simulator.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire70B.Simulator.Tests.Properties;

/// <summary>The Simulator's shrunk counterexamples (each was a 500 with a stack trace), kept as examples.</summary>
public sealed class SimulatorBadInputRegressionTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Error)> PostAsync(HttpClient client, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(path, content);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone());
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}],"stop":"\udfffcount 3"}""")]
    [InlineData("/v1/completions", """{"model":"llama-3.1-70b-instruct","prompt":"\udfff{}","top_k":1}""")]
    [InlineData("/v1/completions", """{"model":"llama-3.1-70b-instruct","prompt":"a\"\ud800","max_completion_tokens":2}""")]
    [InlineData("/tokenize", """{"model":"llama-3.1-70b-instruct","prompt":"\ud800"}""")]
    public async Task AnEscapedSurrogateHalfIs400(string path, string body)
    {
        await using var factory = new SimulatorFactory();
        using var client = factory.CreateClient();

        var (status, error) = await PostAsync(client, path, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("JSON decode error: a string is not valid Unicode (a lone surrogate escape)", error.GetProperty("message").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("/v1/chat/completions", "{\"model\":\"llama-3.1-70b-instruct\",\"messages\":[{\"role\":\"system\",\"content\":\"", "\"}]}")]
    [InlineData("/v1/completions", "{\"model\":\"llama-3.1-70b-instruct\",\"prompt\":[\"count", " 3\"]}")]
    public async Task InvalidUtf8InAStringIs400(string path, string before, string after)
    {
        await using var factory = new SimulatorFactory();
        using var client = factory.CreateClient();

        var (status, error) = await PostAsync(client, path, [.. Encoding.UTF8.GetBytes(before), 0x80, .. Encoding.UTF8.GetBytes(after)]);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("JSON decode error: the body is not valid UTF-8", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}],"n":2147483648}""", "2147483648")]
    [InlineData("/v1/completions", """{"model":"llama-3.1-70b-instruct","prompt":"Hi","n":1025,"max_tokens":1}""", "1025")]
    public async Task MoreChoicesThanTheSimulatorCanHoldIs400NotAnOverflow(string path, string body, string n)
    {
        // Found by SimulatorBadInputProperties (seed 5GJVLi7iNCc3): n past int.MaxValue overflowed into a 500.
        await using var factory = new SimulatorFactory();
        using var client = factory.CreateClient();

        var (status, error) = await PostAsync(client, path, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"n must be at most 1024 in the simulator, got {n}.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnUnexpectedExceptionIsA500ErrorObjectWithTheRequestIdAndNoStackTrace()
    {
        await using var factory = new SimulatorFactory().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.ConfigureTestServices(services => services.AddSingleton<IChatPromptRenderer, ThrowingRenderer>());
        });
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Matches("^Internal server error \\(request id [^ ]+\\)\\.$", error.GetProperty("message").GetString());
        Assert.Equal("InternalServerError", error.GetProperty("type").GetString());
        Assert.DoesNotContain("a bug in a renderer", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    private sealed class ThrowingRenderer : IChatPromptRenderer
    {
        public string Render(JsonElement request) => throw new InvalidOperationException("a bug in a renderer");
    }
}
