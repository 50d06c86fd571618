using System.Net;
using System.Text;
using Aspire70B.TestSupport;

namespace Aspire70B.ApiService.Tests.Integration;

[Collection(GatewayTests.Name)]
public sealed class GarnetAndBindingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task TheCacheWorksOnGarnetToo()
    {
        await using var garnet = await RedisServer.StartAsync(RedisKind.Garnet);
        await using var gateway = await SystemProcesses.StartGatewayAsync(fixture.Simulator, garnet.ConnectionString);
        var body = $$"""{"messages":[{"role":"user","content":"garnet {{Guid.NewGuid():N}}"}],"temperature":0,"max_tokens":8}""";

        var results = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await fixture.Http.PostAsync(new Uri(gateway.BaseAddress, "v1/chat/completions"), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            results.Add(response.Headers.GetValues("x-cache").Single());
        }

        Assert.Equal(RedisKind.Garnet, garnet.ActualKind);
        Assert.Equal(["miss", "hit"], results);
    }

    [Fact]
    public async Task WithoutApiKeysTheGatewayRefusesToListenBeyondLoopback()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "ApiService",
            ["--urls", "http://0.0.0.0:0"],
            new Dictionary<string, string>
            {
                ["ConnectionStrings__model"] = $"Endpoint={fixture.Simulator.BaseAddress}",
                ["Gateway__Profile"] = SystemProcesses.Profile,
            },
            "alive"));

        Assert.Contains("Refusing to listen on 'http://0.0.0.0:0' without API keys: configure Auth:ApiKeys, or bind to 127.0.0.1.", error.Message, StringComparison.Ordinal);
    }
}
