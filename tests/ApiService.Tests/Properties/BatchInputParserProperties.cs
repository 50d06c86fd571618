using System.Text;
using Aspire70B.ApiService.Batches;
using Aspire70B.ApiService.Errors;
using Aspire70B.Tests.Shared;
using CsCheck;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>
/// The batch JSONL parser: a well-formed batch comes back exactly (custom_ids in order, each body byte for byte);
/// anything else is a 400 naming the problem, never another exception.
/// </summary>
public sealed class BatchInputParserProperties
{
    private static readonly Gen<(string Id, string Body)[]> Batches =
        OpenAIRequestGen.ValidChat.Select(b => b.Replace("\"stream\":true", "\"stream\":false", StringComparison.Ordinal)).Array[1, 6].Select(bodies => bodies.Select((b, i) => ($"req-{i}", b)).ToArray());

    private static string Jsonl((string Id, string Body)[] batch, string separator) =>
        string.Join(separator, batch.Select(r => $"{{\"custom_id\":\"{r.Id}\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{r.Body}}}"));

    [Fact]
    public void AWellFormedBatchComesBackExactly() =>
        Gen.Select(Batches, Gen.OneOf<string>("\n", "\r\n", "\n\n")).Sample((batch, separator) =>
        {
            var parsed = BatchInputParser.Parse(Encoding.UTF8.GetBytes(Jsonl(batch, separator) + separator), 100);

            Assert.Equal(batch.Select(r => r.Id), parsed.Select(p => p.Key));
            Assert.Equal(batch.Select(r => r.Body), parsed.Select(p => p.Value));
        }, iter: PropertyRuns.Iterations(300));

    [Fact]
    public void AnyBytesParseOrAreRefusedWithA400() =>
        OpenAIRequestGen.Mutated(Batches.Select(b => Jsonl(b, "\n"))).Sample(bytes =>
        {
            try
            {
                var parsed = BatchInputParser.Parse(bytes, 100);
                Assert.NotEmpty(parsed);
                Assert.Equal(parsed.Count, parsed.Select(p => p.Key).Distinct(StringComparer.Ordinal).Count());
            }
            catch (OpenAIErrorException e)
            {
                Assert.Equal(400, e.Error.Status);
                Assert.Equal("input", e.Error.Param);
            }
        }, iter: PropertyRuns.Iterations(1000), print: ResponseShape.Printable);
}
