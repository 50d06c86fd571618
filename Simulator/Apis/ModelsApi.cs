using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary><c>GET /v1/models</c>: the one served model, as vLLM's <c>ModelCard</c> lists it.</summary>
internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/models", ListModels);
        return routes;
    }

    private static RawJsonResult ListModels(SimulatedDeployment deployment, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return RawJsonResult.Write(StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            json.WriteStartObject();
            json.WriteString("id", deployment.ServedModelName);
            json.WriteString("object", "model");
            json.WriteNumber("created", created);
            json.WriteString("owned_by", "vllm");
            json.WriteString("root", deployment.Profile.HuggingFaceRepo);
            json.WriteNull("parent");
            json.WriteNumber("max_model_len", deployment.MaxModelLen);
            json.WriteStartArray("permission");
            json.WriteStartObject();
            json.WriteString("id", "modelperm-" + Guid.NewGuid().ToString("N"));
            json.WriteString("object", "model_permission");
            json.WriteNumber("created", created);
            json.WriteBoolean("allow_create_engine", false);
            json.WriteBoolean("allow_sampling", true);
            json.WriteBoolean("allow_logprobs", true);
            json.WriteBoolean("allow_search_indices", false);
            json.WriteBoolean("allow_view", true);
            json.WriteBoolean("allow_fine_tuning", false);
            json.WriteString("organization", "*");
            json.WriteNull("group");
            json.WriteBoolean("is_blocking", false);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }
}
