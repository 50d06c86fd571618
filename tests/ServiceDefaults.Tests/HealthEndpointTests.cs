using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task OutsideDevelopmentAliveAnswersOnTheLiveCheckWhileHealthWaitsForEveryCheck()
    {
        var builder = TestWebApp.CreateBuilder();
        builder.Services.AddHealthChecks().AddCheck("model-server", () => HealthCheckResult.Unhealthy("not yet"), ["ready"]);
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };

        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
    }
}
