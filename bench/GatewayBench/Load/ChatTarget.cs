using System.Net.Http.Headers;
using System.Text;

namespace Aspire70B.GatewayBench.Load;

/// <summary>Where a contender takes chat requests, and the headers it needs (Portkey's provider routing).</summary>
internal sealed record ChatTarget(Uri ChatCompletions, IReadOnlyDictionary<string, string> Headers);

/// <summary>The request bodies every contender receives, serialised once: identical bytes, temperature 0.</summary>
internal static class ChatBodies
{
    public const string Model = "llama-3.1-70b-instruct";

    private const string Messages = """[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Benchmark the gateway, please: one short answer."}]""";

    public static readonly byte[] NonStreaming = Encoding.UTF8.GetBytes(
        $$"""{"model":"{{Model}}","messages":{{Messages}},"max_tokens":16,"temperature":0}""");

    public static readonly byte[] Streaming = Encoding.UTF8.GetBytes(
        $$"""{"model":"{{Model}}","messages":{{Messages}},"max_tokens":32,"temperature":0,"stream":true}""");

    public static readonly MediaTypeHeaderValue Json = new("application/json");
}
