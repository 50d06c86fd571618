using System.Text.Json;
using Aspire70B.ApiService.Chat;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.ApiService.Apis;

/// <summary><c>/v1/models</c> (OpenAI's list, with vLLM's extra fields) and <c>/v1/deployment</c> (the profile and its plan).</summary>
internal static class DeploymentApi
{
    public static RouteGroupBuilder MapDeploymentApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/models", Models);
        v1.MapGet("/deployment", Deployment);
        return v1;
    }

    private static JsonWriterResult Models(GatewayDeployment deployment, TimeProvider time) => new JsonWriterResult(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        w.WriteStartObject();
        w.WriteString("id", deployment.ServedModelName);
        w.WriteString("object", "model");
        w.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
        w.WriteString("owned_by", "aspire70b");
        w.WriteString("root", deployment.Profile.HuggingFaceRepo);
        w.WriteNull("parent");
        w.WriteNumber("max_model_len", deployment.MaxModelLen);
        w.WriteString("quantization", deployment.Profile.Quantization.Id);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static JsonWriterResult Deployment(GatewayDeployment deployment) => new JsonWriterResult(w =>
    {
        var profile = deployment.Profile;
        w.WriteStartObject();
        w.WriteString("profile", profile.Name);
        w.WriteString("description", profile.Description);
        w.WriteString("servedModelName", profile.ServedModelName);
        w.WriteString("huggingFaceRepo", profile.HuggingFaceRepo);
        w.WriteString("chatTemplate", profile.ChatTemplateId);
        w.WriteNumber("defaultMaxTokens", deployment.DefaultMaxTokens);
        w.WritePropertyName("plan");
        PlanJsonWriter.Write(w, deployment.Plan, VllmLaunch.ServeArguments(profile));
        w.WriteEndObject();
    });

    private sealed class JsonWriterResult(Action<Utf8JsonWriter> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                write(writer);
            }

            await httpContext.Response.Body.WriteAsync(buffer.ToArray(), httpContext.RequestAborted);
        }
    }
}
