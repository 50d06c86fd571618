using System.CommandLine;
using System.Globalization;

namespace Aspire70B.Cli.Commands;

/// <summary>Numeric options whose parse errors name the option and the value, in plain words.</summary>
internal static class NumberOptions
{
    public static Option<double?> Double(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "number",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            result.AddError($"{name} expects a number, got '{text}'.");
            return null;
        },
    };

    public static Option<int?> Integer(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "count",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            result.AddError($"{name} expects a whole number, got '{text}'.");
            return null;
        },
    };
}
