using System.Data.Common;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// The model server, from Aspire's connection string <c>ConnectionStrings__model</c>:
/// <c>Endpoint=http://127.0.0.1:8000;Key=…;Model=…</c>, plus <c>ModalKey</c>/<c>ModalSecret</c> for Modal's proxy auth.
/// </summary>
internal sealed record ModelConnection(Uri Endpoint, string? Key, string? Model, string? ModalKey, string? ModalSecret)
{
    public static ModelConnection Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Get(string name) => builder.TryGetValue(name, out var value) && value is string s && s.Length > 0 ? s : null;

        var endpoint = Get("Endpoint")
            ?? throw new FormatException("The model connection string needs Endpoint=http(s)://host:port.");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"The model endpoint '{endpoint}' is not an absolute http(s) URL.");
        }

        var modalKey = Get("ModalKey");
        var modalSecret = Get("ModalSecret");
        if ((modalKey is null) != (modalSecret is null))
        {
            throw new FormatException("Modal proxy auth needs both ModalKey and ModalSecret.");
        }

        return new ModelConnection(uri, Get("Key"), Get("Model"), modalKey, modalSecret);
    }

    /// <summary>Whether the model server is a Modal web endpoint (proxy auth given).</summary>
    public bool IsModal => ModalKey is not null;

    /// <summary>The connection without its secrets, for logs and /health.</summary>
    public override string ToString() =>
        $"Endpoint={Endpoint};Key={(Key is null ? "" : "***")};Model={Model}{(ModalKey is null ? "" : ";ModalKey=***;ModalSecret=***")}";
}
