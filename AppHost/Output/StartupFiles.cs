using System.Text.Json;
using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Output;

/// <summary>
/// The files scripts and tests find the system by, written once everything is ready (atomically: a reader never sees
/// half a file) and removed when the system stops. The endpoints file is one JSON object, resource name → URL
/// (<c>cache</c> as <c>redis://host:port</c>); the state file adds each resource's state, process id and source.
/// </summary>
internal sealed class StartupFiles(string? endpointsFile, string? stateFile)
{
    public async Task WriteAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var resources = app.Snapshot();
        if (endpointsFile is not null)
        {
            await WriteAtomicallyAsync(endpointsFile, w =>
            {
                w.WriteStartObject();
                foreach (var r in resources.Where(r => r.Endpoint is not null))
                {
                    w.WriteString(r.Name, StartupReport.Url(r.Endpoint));
                }

                w.WriteEndObject();
            }, cancellationToken);
        }

        if (stateFile is not null)
        {
            await WriteAtomicallyAsync(stateFile, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("apphostPid", Environment.ProcessId);
                w.WriteStartArray("resources");
                foreach (var r in resources)
                {
                    w.WriteStartObject();
                    w.WriteString("name", r.Name);
                    w.WriteString("state", r.State.ToString().ToLowerInvariant());
                    if (r.Endpoint is null)
                    {
                        w.WriteNull("endpoint");
                    }
                    else
                    {
                        w.WriteString("endpoint", StartupReport.Url(r.Endpoint));
                    }

                    if (r.ProcessId is { } pid)
                    {
                        w.WriteNumber("pid", pid);
                    }
                    else
                    {
                        w.WriteNull("pid");
                    }

                    w.WriteString("source", r.Source);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }, cancellationToken);
        }
    }

    public void Delete()
    {
        foreach (var path in new[] { endpointsFile, stateFile })
        {
            if (path is not null)
            {
                File.Delete(path);
            }
        }
    }

    private static async Task WriteAtomicallyAsync(string path, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            write(writer);
            await writer.FlushAsync(cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
