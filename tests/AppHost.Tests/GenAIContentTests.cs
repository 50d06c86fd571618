namespace Aspire70B.AppHost.Tests;

/// <summary>Prompts and answers on the services' GenAI spans: the AppHost opts in for Development only.</summary>
public sealed class GenAIContentTests
{
    private const string Variable = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    [Theory]
    [InlineData("Development", true)]
    [InlineData("Production", false)]
    public async Task PromptsAndAnswersAreCapturedInDevelopmentOnly(string environment, bool captured)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var model = await AppHostModel.CreateAsync(["--environment", environment], timeout.Token);
        Assert.Equal(environment, model.Builder.Environment.EnvironmentName);

        foreach (var name in new[] { "apiservice", "worker" })
        {
            var variables = await AppHostModel.EnvironmentOfAsync(model.Resource<IResourceWithEnvironment>(name), timeout.Token);
            if (captured)
            {
                Assert.Equal("true", variables[Variable]);
            }
            else
            {
                Assert.DoesNotContain(Variable, variables.Keys);
            }
        }
    }
}
