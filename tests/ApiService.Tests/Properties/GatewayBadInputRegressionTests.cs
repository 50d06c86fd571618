using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>
/// The shrunk counterexamples the generated requests found before the gateway guarded its input, kept as examples:
/// each was a 500 carrying a stack trace (Development's exception page), or a bodiless status.
/// </summary>
[Collection(InProcessGatewayTests.Name)]
public sealed class GatewayBadInputRegressionTests(InProcessGateway gateway)
{
    private async Task<(HttpStatusCode Status, JsonElement Error, string? RequestId)> SendAsync(HttpMethod method, string path, byte[]? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone();
        return (response.StatusCode, json, response.Headers.TryGetValues("x-request-id", out var ids) ? ids.Single() : null);
    }

    [Fact]
    public async Task InvalidUtf8InTheModelNameIs400NotA500WithAStackTrace()
    {
        byte[] body = [.. """{"model":"llama-3.1-"""u8, 0xE2, 0x82, .. """70b-instruct","messages":[{"role":"user","content":"%}Hi\n"}],"max_tokens":3,"seed":7}"""u8];

        var (status, error, requestId) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The request body is not valid UTF-8.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(requestId));
    }

    /// <summary>Found by the generated requests in CI: with <c>tool_choice: required</c> the tools were read for the
    /// constraint before the template checked them, and a tool that is not an object was a 500.</summary>
    [Theory]
    [InlineData("[null]", 0)]
    [InlineData("[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{}]", 1)]
    [InlineData("[{\"type\":\"function\",\"function\":{\"name\":5}}]", 0)]
    public async Task AMalformedToolWithToolChoiceRequiredIs400NamingIt(string tools, int index)
    {
        var body = $$"""{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"tools":{{tools}},"tool_choice":"required"}""";

        var (status, error, _) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"tools[{index}] must be an object with a 'function' that has a string 'name'.", error.GetProperty("message").GetString());
        Assert.Equal("tools", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task InvalidUtf8InAPropertyNameIs400()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"mo"), 0x9A, .. Encoding.UTF8.GetBytes("el\":\"llama-3.1-70b-instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3}")];

        var (status, error, _) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The request body is not valid UTF-8.", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}],"user":{"\udc00\ud800":1}}""")]
    [InlineData("/v1/chat/completions", """{"model":"llama-3.1-70b-instruct","messages":[{"role":"user","content":"Hi"}],"user":"\udc00"}""")]
    [InlineData("/v1/chat/completions/render", """{"messages":[{"role":"user","content":"","tool_call_id":"\ud800"}]}""")]
    public async Task AnEscapedSurrogateHalfIs400(string path, string body)
    {
        var (status, error, _) = await SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The request body contains a string that is not valid Unicode (a lone surrogate escape).", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task InvalidUtf8InABatchIs400NamingTheBatch()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"custom_id\":\"a\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\""), 0xEF, .. Encoding.UTF8.GetBytes("\"}]}}")];

        var (status, error, _) = await SendAsync(HttpMethod.Post, "/v1/batches", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The batch is not valid UTF-8.", error.GetProperty("message").GetString());
        Assert.Equal("input", error.GetProperty("param").GetString());
    }

    /// <summary>Was a 500: the form reader's IOException for a body that only claims to be multipart.</summary>
    [Fact]
    public async Task AnUploadThatIsNotReallyMultipartIs400()
    {
        using var content = new ByteArrayContent("{\"custom_id\":\"r3\"}"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");

        using var response = await gateway.Client.PostAsync("/v1/files", content);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("The multipart body could not be read: ", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("file", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task AWrongMethodIs405InOpenAIsFormat()
    {
        var (status, error, _) = await SendAsync(HttpMethod.Post, "/v1/models", "{}"u8.ToArray());

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("Method POST is not allowed on /v1/models.", error.GetProperty("message").GetString());
        Assert.Equal("method_not_allowed", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownRouteIs404InOpenAIsFormat()
    {
        var (status, error, _) = await SendAsync(HttpMethod.Post, "/v1/completions", "{}"u8.ToArray());

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Invalid URL (POST /v1/completions).", error.GetProperty("message").GetString());
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
    }
}
