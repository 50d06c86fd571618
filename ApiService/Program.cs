using Aspire70B.ApiService.Apis;
using Aspire70B.ApiService.Errors;
using Aspire70B.ApiService.Extensions;
using Aspire70B.ApiService.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseOpenAIErrors();
app.RefuseOpenNonLoopbackBinding();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapGroup("/v1")
    .RequireAuthorization()
    .RequireRateLimiting(RateLimitOptions.PolicyName)
    .MapChatApi()
    .MapDeploymentApi()
    .MapBatchApi()
    .MapFilesApi();

app.Run();

/// <summary>The gateway's entry point, visible to the integration tests.</summary>
public partial class Program;
