using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Refuses JSON whose text is not Unicode: bytes that are not UTF-8, or <c>\uXXXX</c> escapes that leave a surrogate
/// half. System.Text.Json parses both and only fails when a string is read, deep in the handler; checked here, they
/// are a 400 at the door.
/// </summary>
internal static class JsonTextGuard
{
    /// <summary>Why <paramref name="utf8"/> cannot be read as JSON text, or null when it can.</summary>
    public static string? CheckEncoding(ReadOnlySpan<byte> utf8) =>
        Utf8.IsValid(utf8) ? null : "The request body is not valid UTF-8.";

    /// <summary>The first property name or string value that does not decode to valid UTF-16, or null. The UTF-8 must
    /// have passed <see cref="CheckEncoding"/>.</summary>
    public static string? CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Decodes(element) ? null : "The request body contains a string that is not valid Unicode (a lone surrogate escape).";
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (CheckStrings(item) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!NameDecodes(property) || CheckStrings(property.Value) is not null)
                    {
                        return "The request body contains a string that is not valid Unicode (a lone surrogate escape).";
                    }
                }

                return null;
            default:
                return null;
        }
    }

    // Only a \uXXXX escape can leave a surrogate half in text that is valid UTF-8 (checked first, by CheckEncoding):
    // a string or name without one is not decoded.
    private static bool HasUnicodeEscape(ReadOnlySpan<byte> raw) => raw.IndexOf("\\u"u8) >= 0;

    private static bool Decodes(JsonElement element)
    {
        if (!HasUnicodeEscape(JsonMarshal.GetRawUtf8Value(element)))
        {
            return true;
        }

        try
        {
            _ = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool NameDecodes(JsonProperty property)
    {
        if (!HasUnicodeEscape(JsonMarshal.GetRawUtf8PropertyName(property)))
        {
            return true;
        }

        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
