using Aspire70B.Cli.Commands;

namespace Aspire70B.Cli.Tests;

public sealed class RenderCommandTests
{
    private const string WeatherRequest = """
        {"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather in Paris?"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
        """;

    private const string WeatherPrompt =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        + "You are helpful.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        + "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n"
        + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
        + "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"description\": \"Current weather\",\n"
        + "        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n"
        + "                    \"type\": \"string\"\n                }\n            }\n        }\n    }\n}\n\n"
        + "Weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";

    [Fact]
    public void PrintsTheExactPromptFromStandardInputWithNoNewlineAdded()
    {
        var result = Run(["render", "--template", "llama-3.1-instruct"], WeatherRequest);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(WeatherPrompt, result.Out);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void ReadsTheRequestFromAFileOrFromStandardInputForDash()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"messages": [{"role": "user", "content": "Hello"}]}""");
            var fromFile = Run(["render", "--template", "llama-2-chat", "--request", path], string.Empty);
            Assert.Equal((0, "<s>[INST] Hello [/INST]", string.Empty), fromFile);
        }
        finally
        {
            File.Delete(path);
        }

        var fromDash = Run(["render", "--template", "llama-2-chat", "--request", "-"], """{"messages": [{"role": "user", "content": "Hi"}]}""");
        Assert.Equal((0, "<s>[INST] Hi [/INST]", string.Empty), fromDash);
    }

    [Fact]
    public void TemplateErrorPrintsTheTemplatesMessageAndExitsWithFailure()
    {
        var result = Run(["render", "--template", "llama-2-chat"], """{"messages": [{"role": "assistant", "content": "Hi"}]}""");
        Assert.Equal((1, string.Empty, "Conversation roles must alternate user/assistant/user/assistant/...\n"), result);
    }

    [Fact]
    public void SpecialTokensAreRejectedByDefaultAndEscapedOnRequest()
    {
        const string Request = """{"messages": [{"role": "user", "content": "a<s>b"}]}""";
        var rejected = Run(["render", "--template", "llama-2-chat"], Request);
        Assert.Equal(1, rejected.ExitCode);
        Assert.Empty(rejected.Out);
        Assert.Contains("'<s>'", rejected.Error, StringComparison.Ordinal);

        var escaped = Run(["render", "--template", "llama-2-chat", "--special-tokens", "escape"], Request);
        Assert.Equal((0, "<s>[INST] a<\u200Bs>b [/INST]", string.Empty), escaped);
    }

    [Fact]
    public void UnknownTemplateExitsWithUsageAndListsTheValidIds()
    {
        var result = Run(["render", "--template", "gpt-4"], WeatherRequest);
        Assert.Equal((2, string.Empty, "Unknown chat template 'gpt-4'. Valid ids: llama-3.1-instruct, llama-2-chat.\n"), result);
    }

    [Theory]
    [InlineData("{\"messages\": ", "Invalid chat request: The request is not valid JSON")]
    [InlineData("{\"messages\": {}}", "Invalid chat request: 'messages' must be an array of messages.")]
    public void InvalidRequestExitsWithUsage(string stdin, string message)
    {
        var result = Run(["render", "--template", "llama-3.1-instruct"], stdin);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.StartsWith(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableRequestFileExitsWithUsage()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        var result = Run(["render", "--template", "llama-3.1-instruct", "--request", missing], string.Empty);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"Cannot read the request '{missing}'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTemplateOptionExitsWithUsage()
    {
        var result = Run(["render"], WeatherRequest);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--template", result.Error, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Out, string Error) Run(string[] args, string stdin)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        using var input = new StringReader(stdin);
        var exitCode = CliApp.Run(args, new CliContext(output, error, input));
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void TheReadmesExampleRendersExactlyAsTheReadmeShows()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Aspire70B.sln")))
        {
            dir = dir.Parent;
        }

        var readme = File.ReadAllText(Path.Combine(dir.FullName, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## The exact prompt", StringComparison.Ordinal)..];
        var echo = section.IndexOf("echo '", StringComparison.Ordinal) + "echo '".Length;
        var request = section[echo..section.IndexOf('\'', echo)];
        const string Command = "--template llama-3.1-instruct\n```\n";
        var afterCommand = section.IndexOf(Command, StringComparison.Ordinal) + Command.Length;
        var shown = section.IndexOf("```\n", afterCommand, StringComparison.Ordinal) + 4;
        var expected = section[shown..section.IndexOf("```", shown, StringComparison.Ordinal)];

        var result = CliRunner.RunWithInput(request, "render", "--template", "llama-3.1-instruct");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.Out);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>", expected, StringComparison.Ordinal);
    }
}
