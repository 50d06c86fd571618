using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Aspire70B.ApiService.Tests.Infrastructure;

/// <summary>
/// For an in-memory gateway (WebApplicationFactory): its server has no remote address, and the gateway without API
/// keys serves loopback callers only, so every request is made to come from loopback.
/// </summary>
internal sealed class LoopbackCaller : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
            return nextMiddleware(context);
        });
        next(app);
    };
}
