namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The AppHost's application model as Program.cs builds it for the given command line, read before anything starts:
/// resources, their annotations and the variables their callbacks set. Deletes its batch-store data folder.
/// </summary>
internal sealed class AppHostModel : IAsyncDisposable
{
    private readonly DirectoryInfo _data;

    private AppHostModel(IDistributedApplicationTestingBuilder builder, DirectoryInfo data)
    {
        Builder = builder;
        _data = data;
    }

    public IDistributedApplicationTestingBuilder Builder { get; }

    public static async Task<AppHostModel> CreateAsync(string[] args, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("aspire70b-apphost-model-");
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([.. args, "--data-dir", data.FullName], cancellationToken);
            return new AppHostModel(builder, data);
        }
        catch
        {
            data.Delete(recursive: true);
            throw;
        }
    }

    public T Resource<T>(string name)
        where T : IResource => Builder.Resources.OfType<T>().Single(r => r.Name == name);

    /// <summary>The variables the resource's callbacks set (values unevaluated: nothing has started).</summary>
    public static async Task<Dictionary<string, object>> EnvironmentOfAsync(IResourceWithEnvironment resource, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, variables, cancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await annotation.Callback(context);
        }

        return variables;
    }

    public async ValueTask DisposeAsync()
    {
        await Builder.DisposeAsync();
        _data.Delete(recursive: true);
    }
}
