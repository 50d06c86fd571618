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
        var data = Directory.CreateTempSubdirectory("aspire70b-apphost-genai-");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                ["--environment", environment, "--data-dir", data.FullName], timeout.Token);
            Assert.Equal(environment, builder.Environment.EnvironmentName);

            foreach (var name in new[] { "apiservice", "worker" })
            {
                var resource = builder.Resources.OfType<IResourceWithEnvironment>().Single(r => r.Name == name);
                var variables = await EnvironmentOfAsync(resource, timeout.Token);
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
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>The variables the resource's callbacks set (values unevaluated: nothing has started).</summary>
    private static async Task<Dictionary<string, object>> EnvironmentOfAsync(IResourceWithEnvironment resource, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, variables, cancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await annotation.Callback(context);
        }

        return variables;
    }
}
