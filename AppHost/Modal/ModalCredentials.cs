using Microsoft.Extensions.Configuration;

namespace Aspire70B.AppHost.Modal;

/// <summary>
/// A Modal proxy-auth token (<c>wk-…</c> / <c>ws-…</c>), sent as <c>Modal-Key</c> and <c>Modal-Secret</c> on every request
/// to a <c>requires_proxy_auth</c> endpoint. Read from the environment (<c>MODAL_KEY</c>, <c>MODAL_SECRET</c>) or from
/// configuration under Aspire's parameter names (<c>Parameters:modal-key</c>, <c>Parameters:modal-secret</c>), which the
/// AppHost's user secrets supply. Never printed.
/// </summary>
internal sealed record ModalCredentials(string Key, string Secret)
{
    public const string KeyVariable = "MODAL_KEY";
    public const string SecretVariable = "MODAL_SECRET";
    public const string KeyParameter = "Parameters:modal-key";
    public const string SecretParameter = "Parameters:modal-secret";

    /// <summary>The token, or the problem: none given, or only half of it.</summary>
    public static (ModalCredentials? Credentials, string? Problem) Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var key = Value(configuration, KeyVariable) ?? Value(configuration, KeyParameter);
        var secret = Value(configuration, SecretVariable) ?? Value(configuration, SecretParameter);
        return (key, secret) switch
        {
            ({ } k, { } s) => (new ModalCredentials(k, s), null),
            (null, null) => (null,
                "--backend modal needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): "
                + $"set {KeyVariable} and {SecretVariable}, or 'dotnet user-secrets set {KeyParameter} wk-… --project AppHost' "
                + $"and the same for {SecretParameter}."),
            _ => (null, $"Only half of the Modal proxy-auth token is set: give both the key ({KeyVariable} or {KeyParameter}) "
                + $"and the secret ({SecretVariable} or {SecretParameter})."),
        };
    }

    /// <summary>Both parts hidden, for anything that is printed.</summary>
    public override string ToString() => "ModalCredentials { Key = ***, Secret = *** }";

    private static string? Value(IConfiguration configuration, string name) =>
        configuration[name] is { Length: > 0 } value ? value.Trim() : null;
}
