using System.Globalization;

namespace Aspire70B.Simulator.Protocol;

/// <summary>Numbers written the way Python writes them, so that messages and metrics read like vLLM's.</summary>
internal static class PythonFormat
{
    /// <summary>Python's <c>repr(float)</c>: <c>-1.0</c>, <c>0.5</c>, <c>1e-05</c>, <c>1e+16</c>, <c>inf</c>, <c>nan</c>.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : string.Empty;
        if (value == 0)
        {
            return sign + "0.0";
        }

        var (digits, point) = ShortestDigits(Math.Abs(value));
        var exponent = point - 1;
        if (exponent is >= -4 and < 16)
        {
            if (point <= 0)
            {
                return $"{sign}0.{new string('0', -point)}{digits}";
            }

            return point >= digits.Length
                ? $"{sign}{digits}{new string('0', point - digits.Length)}.0"
                : $"{sign}{digits[..point]}.{digits[point..]}";
        }

        var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
        var expSign = exponent < 0 ? "-" : "+";
        return $"{sign}{mantissa}e{expSign}{Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)}";
    }

    /// <summary>prometheus_client's <c>floatToGoString</c>: Python's repr, <c>+Inf</c>, and exponents from 1e+07 on.</summary>
    public static string PrometheusFloat(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        var repr = Float(value);
        var dot = repr.IndexOf('.', StringComparison.Ordinal);
        if (value > 0 && dot > 6)
        {
            var mantissa = $"{repr[0]}.{repr[1..dot]}{repr[(dot + 1)..]}".TrimEnd('0', '.');
            return $"{mantissa}e+0{dot - 1}";
        }

        return repr;
    }

    // The shortest round-trip digits of a positive finite value, and where the decimal point goes among them.
    private static (string Digits, int Point) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOfAny(['E', 'e']);
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? text : text[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits[leading..].TrimEnd('0');
        return (digits, point - leading);
    }
}
