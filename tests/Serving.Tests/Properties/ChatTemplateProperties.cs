using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Tests.Shared;
using CsCheck;

namespace Aspire70B.Serving.Tests.Properties;

/// <summary>
/// The chat-template mapper and renderer take untrusted text: for any request JSON the gateway lets through, each
/// template either renders a prompt (the same one every time) or refuses with its documented exceptions.
/// </summary>
public sealed class ChatTemplateProperties
{
    private static readonly IChatTemplate[] Templates = [.. ChatTemplates.Ids.Select(ChatTemplates.Get)];

    private static readonly Gen<string> Requests = Gen.OneOf<string>(
        OpenAIRequestGen.Chat,
        OpenAIRequestGen.Mutated(OpenAIRequestGen.Chat).Select(b => System.Text.Encoding.UTF8.GetString(b)));

    private static void RenderOrRefuse(ChatTemplateRequest request)
    {
        foreach (var template in Templates)
        {
            foreach (var policy in Enum.GetValues<SpecialTokenPolicy>())
            {
                try
                {
                    var prompt = template.Render(request, policy);
                    Assert.Equal(prompt, template.Render(request, policy));
                    if (template.Id == ChatTemplates.Llama31Instruct)
                    {
                        Assert.StartsWith(template.BosToken, prompt, StringComparison.Ordinal);
                    }
                }
                catch (Exception e) when (e is InvalidChatRequestException or ChatTemplateException)
                {
                    Assert.False(string.IsNullOrEmpty(e.Message));
                }
            }
        }
    }

    [Fact]
    public void AnyParsedRequestRendersOrIsRefusedWithATemplateError() =>
        Requests.Sample(json =>
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException)
            {
                return;
            }

            using (document)
            {
                ChatTemplateRequest request;
                try
                {
                    request = ChatTemplateRequest.FromJson(document.RootElement);
                }
                catch (InvalidChatRequestException)
                {
                    return;
                }

                RenderOrRefuse(request);
            }
        }, iter: PropertyRuns.Iterations(500), print: j => j.Length > 600 ? j[..600] : j);

    [Fact]
    public void AnyTextParsesAsARequestOrIsRefusedAsOne() =>
        Requests.Sample(json =>
        {
            ChatTemplateRequest request;
            try
            {
                request = ChatTemplateRequest.Parse(json);
            }
            catch (InvalidChatRequestException)
            {
                return;
            }

            RenderOrRefuse(request);
        }, iter: PropertyRuns.Iterations(300), print: j => j.Length > 600 ? j[..600] : j);
}
