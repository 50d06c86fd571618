using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.ServiceDefaults.Tests;

/// <summary>A service with the defaults on Kestrel at a free loopback port, as the services run.</summary>
internal static class TestWebApp
{
    public static WebApplicationBuilder CreateBuilder(params (string Key, string Value)[] configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        foreach (var (key, value) in configuration)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults();
        return builder;
    }

    public static Uri BaseAddress(this WebApplication app) => new(app.Urls.First());
}
