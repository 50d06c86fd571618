using System.Data.Common;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// The model server, from Aspire's connection string <c>ConnectionStrings__model</c>:
/// <c>Endpoint=http://127.0.0.1:8000;Key=…;Model=…</c>, plus <c>ModalKey</c>/<c>ModalSecret</c> for Modal's proxy auth,
/// and for one of several replicas <c>Tier=Primary|Overflow</c> and <c>MaxSequences=N</c> (see <c>Routing/ModelReplicas</c>).
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

        var tier = Get("Tier") switch
        {
            null => ReplicaTier.Primary,
            var t when t.Equals(nameof(ReplicaTier.Primary), StringComparison.OrdinalIgnoreCase) => ReplicaTier.Primary,
            var t when t.Equals(nameof(ReplicaTier.Overflow), StringComparison.OrdinalIgnoreCase) => ReplicaTier.Overflow,
            var t => throw new FormatException($"The model connection's Tier '{t}' is neither Primary nor Overflow."),
        };

        int? maxSequences = null;
        if (Get("MaxSequences") is { } seqText)
        {
            if (!int.TryParse(seqText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seqs) || seqs < 1)
            {
                throw new FormatException($"The model connection's MaxSequences '{seqText}' is not a whole number of at least 1.");
            }

            maxSequences = seqs;
        }

        return new ModelConnection(uri, Get("Key"), Get("Model"), modalKey, modalSecret) { Tier = tier, MaxSequences = maxSequences };
    }

    /// <summary>Whether this replica is used only when every primary one is down or full (<c>Tier=Overflow</c>).</summary>
    public ReplicaTier Tier { get; init; }

    /// <summary>The replica's concurrent sequences (its plan's <c>max_num_seqs</c>), when the connection string gives it.</summary>
    public int? MaxSequences { get; init; }

    /// <summary>Whether the model server is a Modal web endpoint (proxy auth given).</summary>
    public bool IsModal => ModalKey is not null;

    /// <summary>The connection without its secrets, for logs and /health.</summary>
    public override string ToString() =>
        $"Endpoint={Endpoint};Key={(Key is null ? "" : "***")};Model={Model}{(ModalKey is null ? "" : ";ModalKey=***;ModalSecret=***")}{(Tier == ReplicaTier.Primary ? "" : $";Tier={Tier}")}{(MaxSequences is { } n ? $";MaxSequences={n}" : "")}";
}

/// <summary>A replica's tier: primary replicas share the load; overflow ones take it only when no primary one can.</summary>
internal enum ReplicaTier
{
    Primary,
    Overflow,
}
