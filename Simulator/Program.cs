using Aspire70B.Simulator.Extensions;

// A vLLM-compatible model server without a GPU: the HTTP surface of vLLM's OpenAI server, with the latency and
// capacity the chosen deployment profile would have. vLLM's /health (200, empty body) replaces ServiceDefaults'.
args = SimulatorCommandLine.Normalize(args);
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddSimulator(args);

var app = builder.Build();
app.UseMiddleware<Aspire70B.Simulator.Apis.ErrorHandlingMiddleware>();
app.UseVllmApiKey();
app.MapVllmApi();
app.Run();

/// <summary>The Simulator's entry point, visible to tests (WebApplicationFactory).</summary>
public partial class Program;
