using System.CommandLine;
using Aspire70B.Serving.Templates;

namespace Aspire70B.Cli.Commands;

/// <summary>
/// <c>render --template ID [--request FILE|-] [--special-tokens reject|escape]</c>: prints the exact prompt the gateway
/// would send for an OpenAI chat request, with no newline added. Exit codes: 0 printed; 1 the template (or the
/// special-token policy) refused the conversation; 2 unknown template, unreadable or invalid request.
/// </summary>
internal static class RenderCommand
{
    public static Command Create(CliContext context)
    {
        var template = new Option<string>("--template")
        {
            Description = $"Chat template id: {string.Join(", ", ChatTemplates.Ids)}.",
            Required = true,
        };
        var request = new Option<string?>("--request")
        {
            Description = "OpenAI chat request JSON file; '-' or omitted reads standard input.",
        };
        var specialTokens = new Option<SpecialTokenPolicy>("--special-tokens")
        {
            Description = "What to do with request text that spells a special token: reject (default) or escape.",
            DefaultValueFactory = _ => SpecialTokenPolicy.Reject,
        };

        var command = new Command("render", "Print the exact prompt a chat request becomes under a chat template.")
        {
            template,
            request,
            specialTokens,
        };
        command.SetAction(parseResult => Run(
            context, parseResult.GetRequiredValue(template), parseResult.GetValue(request), parseResult.GetValue(specialTokens)));
        return command;
    }

    private static int Run(CliContext context, string templateId, string? requestPath, SpecialTokenPolicy policy)
    {
        if (!ChatTemplates.TryGet(templateId, out var template))
        {
            context.Error.WriteLine($"Unknown chat template '{templateId}'. Valid ids: {string.Join(", ", ChatTemplates.Ids)}.");
            return ExitCodes.Usage;
        }

        string json;
        try
        {
            json = requestPath is null or "-" ? context.In.ReadToEnd() : File.ReadAllText(requestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"Cannot read the request '{requestPath}': {e.Message}");
            return ExitCodes.Usage;
        }

        try
        {
            context.Out.Write(template.Render(ChatTemplateRequest.Parse(json), policy));
            return ExitCodes.Success;
        }
        catch (ChatTemplateException e)
        {
            context.Error.WriteLine(e.Message);
            return ExitCodes.Failure;
        }
        catch (SpecialTokenException e)
        {
            context.Error.WriteLine(e.Message);
            return ExitCodes.Failure;
        }
        catch (InvalidChatRequestException e)
        {
            context.Error.WriteLine($"Invalid chat request: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
