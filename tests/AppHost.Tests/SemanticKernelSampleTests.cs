using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Aspire70B.AppHost.Tests;

/// <summary>samples/SemanticKernelSample (the README's Semantic Kernel section) against the system the AppHost runs.</summary>
[Collection(SharedSystem.Name)]
public sealed partial class SemanticKernelSampleTests(RunningSystem system, ITestOutputHelper log)
{
    [Fact]
    public async Task TheSamplePrintsEachFunctionCallWithItsArgumentsAndAnAnswerWithTheResult()
    {
        var (exit, output, error) = await SampleProcess.RunAsync(
            "SemanticKernelSample", [], new Dictionary<string, string> { ["services__apiservice__http__0"] = system.ApiServiceUrl.ToString() });

        log.WriteLine(output);
        Assert.True(exit == 0, output + error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("user: What is the weather in Paris right now?", lines[0]);
        var call = CallLine().Match(lines[1]);
        Assert.True(call.Success, output);
        var result = ResultLine().Match(lines[2]);
        Assert.True(result.Success, output);
        Assert.Equal(Expected(call), result.Groups["result"].Value);
        Assert.StartsWith("assistant: ", lines[^1], StringComparison.Ordinal);
        Assert.Contains(result.Groups["result"].Value, lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnEndpointTheSampleSaysHowToStartAndExitsWith2()
    {
        var (exit, _, error) = await SampleProcess.RunAsync("SemanticKernelSample", [], new Dictionary<string, string>());

        Assert.Equal(2, exit);
        Assert.Contains("Start the system with 'dotnet run --project AppHost', then set services__apiservice__http__0 to apiservice's URL.", error, StringComparison.Ordinal);
    }

    /// <summary>What the sample's WeatherPlugin returns for the arguments the call line shows.</summary>
    private static string Expected(Match call)
    {
        var city = call.Groups["city"].Value;
        string[] skies = ["sunny", "cloudy", "rainy", "windy"];
        int Temperature(int day) => 8 + ((city.Length * 7 + day * 3) % 17);
        string Sky(int day) => skies[(city.Length + day) % skies.Length];
        if (call.Groups["function"].Value == "get_weather")
        {
            return $"{city}: {Temperature(0)} °C, {Sky(0)}";
        }

        var days = Math.Clamp(int.Parse(call.Groups["days"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 7);
        return string.Join("; ", Enumerable.Range(1, days).Select(day => $"day {day}: {Temperature(day)} °C, {Sky(day)}"));
    }

    [GeneratedRegex(@"^  call Weather\.(?<function>get_weather|get_forecast)\(city: (?<city>[^,()]+)(, days: (?<days>-?\d+))?\)$")]
    private static partial Regex CallLine();

    [GeneratedRegex(@"^  result (?<result>.+)$")]
    private static partial Regex ResultLine();
}
