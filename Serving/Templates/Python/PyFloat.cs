using System.Globalization;
using System.Text;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Python's <c>repr(float)</c>: the shortest digits that round-trip, written in fixed notation when the decimal
/// exponent is in [-4, 16) and in scientific notation (<c>1e+16</c>, <c>1.5e-05</c>) otherwise; integral values keep ".0".
/// </summary>
internal static class PyFloat
{
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Python's.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        if (negative)
        {
            shortest = shortest[1..];
        }

        var exponentAt = shortest.IndexOfAny(['E', 'e']);
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var fractionPart = dot < 0 ? string.Empty : mantissa[(dot + 1)..];

        // digits × 10^(decimalPoint - digits.Length): decimalPoint counts the digits before the point.
        var digits = integerPart + fractionPart;
        var decimalPoint = integerPart.Length + exponent;
        var leadingZeros = 0;
        while (leadingZeros < digits.Length && digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..].TrimEnd('0');
        decimalPoint -= leadingZeros;

        var sb = new StringBuilder(24);
        if (negative)
        {
            sb.Append('-');
        }

        if (digits.Length == 0)
        {
            return sb.Append("0.0").ToString();
        }

        if (decimalPoint > -4 && decimalPoint <= 16)
        {
            if (decimalPoint <= 0)
            {
                sb.Append("0.").Append('0', -decimalPoint).Append(digits);
            }
            else if (decimalPoint >= digits.Length)
            {
                sb.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
            }

            return sb.ToString();
        }

        sb.Append(digits[0]);
        if (digits.Length > 1)
        {
            sb.Append('.').Append(digits, 1, digits.Length - 1);
        }

        var e = decimalPoint - 1;
        sb.Append(e < 0 ? "e-" : "e+").Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
