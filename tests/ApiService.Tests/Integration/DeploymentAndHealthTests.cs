using System.Net;
using System.Text.Json;
using Aspire70B.TestSupport;
using OpenAI.Chat;

namespace Aspire70B.ApiService.Tests.Integration;

[Collection(GatewayTests.Name)]
public sealed class DeploymentAndHealthTests(GatewayFixture fixture)
{
    [Fact]
    public async Task ModelsListsTheServedModelWithItsContextAndQuantization()
    {
        using var models = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Gateway.BaseAddress, "v1/models")));
        var model = Assert.Single(models.RootElement.GetProperty("data").EnumerateArray());

        Assert.Equal("list", models.RootElement.GetProperty("object").GetString());
        Assert.Equal(GatewayFixture.Model, model.GetProperty("id").GetString());
        Assert.Equal(16384, model.GetProperty("max_model_len").GetInt32());
        Assert.Equal("awq-int4", model.GetProperty("quantization").GetString());
    }

    [Fact]
    public async Task DeploymentShowsTheProfileAndThePlannersPlan()
    {
        using var deployment = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Gateway.BaseAddress, "v1/deployment")));
        var root = deployment.RootElement;

        Assert.Equal(GatewayFixture.Profile, root.GetProperty("profile").GetString());
        Assert.True(root.GetProperty("plan").GetProperty("feasible").GetBoolean());
        Assert.Equal(110_112, root.GetProperty("plan").GetProperty("kvCacheTokens").GetInt64());
    }

    [Fact]
    public async Task RenderReturnsTheExactPrompt()
    {
        using var content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await fixture.Http.PostAsync(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions/render"), content);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            body.RootElement.GetProperty("prompt").GetString());
        Assert.Equal("llama-3.1-instruct", body.RootElement.GetProperty("template").GetString());
    }

    [Fact]
    public async Task HealthIsReadyWithTheBackendUpAndUnreadyWithItDown()
    {
        using var ready = await fixture.Http.GetAsync(new Uri(fixture.Gateway.BaseAddress, "health"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        // A gateway whose model server does not answer: alive, but not ready.
        await using var noBackend = await ServiceProcess.StartAsync("ApiService", [], new Dictionary<string, string>
        {
            ["ConnectionStrings__model"] = "Endpoint=http://127.0.0.1:1/",
            ["Gateway__Profile"] = GatewayFixture.Profile,
        }, "alive");
        using var unready = await fixture.Http.GetAsync(new Uri(noBackend.BaseAddress, "health"));
        using var alive = await fixture.Http.GetAsync(new Uri(noBackend.BaseAddress, "alive"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task WithRedisKilledRequestsAreServedAndHealthSaysDegradedThenTheCacheComesBack()
    {
        var client = fixture.ChatClient(("X-Sim-Completion", "still here"));
        var prompt = $"fail open {Guid.NewGuid():N}";
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 8 };

        await fixture.Redis.StopAsync();
        try
        {
            ChatCompletion served = await client.CompleteChatAsync([new UserChatMessage(prompt)], options);
            Assert.Equal("still here", served.Content[0].Text);
            var health = await fixture.Http.GetStringAsync(new Uri(fixture.Gateway.BaseAddress, "health"));
            Assert.Equal("Degraded", health);
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string? cacheHeader = null;
        while (DateTime.UtcNow < deadline)
        {
            using var content = new StringContent(
                $$"""{"messages":[{"role":"user","content":"{{prompt}} again"}],"temperature":0,"max_tokens":8}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await fixture.Http.PostAsync(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions"), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            cacheHeader = response.Headers.GetValues("x-cache").Single();
            if (cacheHeader == "hit")
            {
                break;
            }

            await Task.Delay(300);
        }

        Assert.Equal("hit", cacheHeader);
        Assert.Equal("Healthy", await fixture.Http.GetStringAsync(new Uri(fixture.Gateway.BaseAddress, "health")));
    }
}
