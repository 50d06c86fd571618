using System.Text.Json;

namespace Aspire70B.Serving.Vllm;

/// <summary>
/// The Modal endpoints <c>deploy modal</c> created, by profile: <c>modal-deployments.json</c> in the user's
/// configuration folder (<c>ASPIRE70B_CONFIG_DIR</c>, else the platform's application-data folder + <c>aspire70b</c>).
/// Only URLs are kept here; credentials live in user secrets or the environment.
/// </summary>
public sealed class ModalDeployments(string folder)
{
    /// <summary>The environment variable that names the configuration folder.</summary>
    public const string FolderVariable = "ASPIRE70B_CONFIG_DIR";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The file the endpoints are kept in.</summary>
    public string FilePath { get; } = Path.Combine(folder, "modal-deployments.json");

    /// <summary>The folder given, else <c>ASPIRE70B_CONFIG_DIR</c>, else the user's application-data folder.</summary>
    public static ModalDeployments Open(string? folder = null) => new(
        folder
        ?? (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } configured ? configured : null)
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "aspire70b"));

    /// <summary>The endpoint stored for <paramref name="profile"/>, or null.</summary>
    public Uri? Find(string profile) =>
        Read().TryGetValue(profile, out var url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>Stores (or replaces) the endpoint of <paramref name="profile"/>, keeping the others.</summary>
    public void Save(string profile, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var deployments = Read();
        deployments[profile] = endpoint.ToString().TrimEnd('/');
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(deployments, Indented) + "\n");
        File.Move(temporary, FilePath, overwrite: true);
    }

    private SortedDictionary<string, string> Read()
    {
        if (!File.Exists(FilePath))
        {
            return new SortedDictionary<string, string>(StringComparer.Ordinal);
        }

        try
        {
            var stored = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(FilePath)) ?? [];
            return new SortedDictionary<string, string>(stored, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{FilePath} is not a JSON object of profile → URL ({e.Message}); fix or delete it.", e);
        }
    }
}
