using System.Globalization;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Go's float rendering, which the reference uses everywhere a number is written:
/// <c>strconv.FormatFloat(v, 'g', -1, 64)</c> (also what <c>fmt.Sprint(float64)</c> gives).
/// </summary>
/// <remarks>
/// Rules (Go <c>strconv/ftoa.go</c>, shortest mode): the digits are the shortest ones that
/// round-trip; with <c>exp</c> the decimal exponent of the first digit, the exponent form
/// <c>d.ddde±XX</c> is used when <c>exp &lt; -4 || exp &gt;= 6</c> (shortest mode fixes the
/// precision used for this decision at 6), otherwise plain decimal. The exponent has a sign
/// and at least two digits. Specials: <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>; <c>-0</c> stays <c>-0</c>.
/// The shortest digits come from .NET's round-trip formatting ("R"), which is also shortest
/// and closest-to-exact, and are re-laid out Go's way.
/// </remarks>
public static class GoFloat
{
    /// <summary>Enough for any double in any of the layouts here (e.g. <c>-2.2250738585072014e-308</c>).</summary>
    public const int MaxLength = 32;

    /// <summary>Go <c>strconv.FormatFloat(v, 'g', -1, 64)</c> / <c>fmt.Sprint(v)</c>.</summary>
    public static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var n = Format(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>
    /// The text exposition writer's <c>writeFloat</c>: <c>1</c>, <c>0</c> and <c>-1</c> are special-cased
    /// (so <c>-0</c> prints <c>0</c>), everything else as <see cref="Format(double)"/>.
    /// </summary>
    public static string FormatForExposition(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var n = FormatForExposition(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>Writes <see cref="FormatForExposition(double)"/> as ASCII; returns the byte count. Needs <see cref="MaxLength"/> bytes.</summary>
    public static int FormatForExposition(double value, Span<byte> destination)
    {
        if (value == 1)
        {
            destination[0] = (byte)'1';
            return 1;
        }
        if (value == 0)
        {
            destination[0] = (byte)'0';
            return 1;
        }
        if (value == -1)
        {
            destination[0] = (byte)'-';
            destination[1] = (byte)'1';
            return 2;
        }
        return Format(value, destination);
    }

    /// <summary>Writes <see cref="Format(double)"/> as ASCII; returns the byte count. Needs <see cref="MaxLength"/> bytes.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (double.IsNaN(value))
        {
            return Ascii(destination, "NaN");
        }
        if (double.IsPositiveInfinity(value))
        {
            return Ascii(destination, "+Inf");
        }
        if (double.IsNegativeInfinity(value))
        {
            return Ascii(destination, "-Inf");
        }

        var pos = 0;
        if (double.IsNegative(value))
        {
            destination[pos++] = (byte)'-';
            value = -value;
        }
        if (value == 0)
        {
            destination[pos++] = (byte)'0';
            return pos;
        }

        // Shortest round-trip digits from .NET, then parsed into (digits, decimal point).
        Span<char> dotnet = stackalloc char[MaxLength];
        if (!value.TryFormat(dotnet, out var written, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("double did not fit the format buffer");
        }
        Span<byte> digits = stackalloc byte[20];
        var nd = 0;
        var digitsBeforePoint = 0;
        var seenPoint = false;
        var exponent = 0;
        var i = 0;
        for (; i < written; i++)
        {
            var c = dotnet[i];
            if (c == '.')
            {
                seenPoint = true;
            }
            else if (c is >= '0' and <= '9')
            {
                if (nd == 0 && c == '0')
                {
                    // Leading zero ("0.0001"): it only moves the decimal point.
                    if (seenPoint)
                    {
                        digitsBeforePoint--;
                    }
                    continue;
                }
                digits[nd++] = (byte)c;
                if (!seenPoint)
                {
                    digitsBeforePoint++;
                }
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(dotnet[(i + 1)..written], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
        }
        while (nd > 1 && digits[nd - 1] == (byte)'0')
        {
            nd--; // "100000" has the single digit 1
        }
        var dp = digitsBeforePoint + exponent; // value = 0.d1d2d3… × 10^dp

        var exp = dp - 1;
        if (exp < -4 || exp >= 6)
        {
            // %e: d.ddd e±XX
            destination[pos++] = digits[0];
            if (nd > 1)
            {
                destination[pos++] = (byte)'.';
                digits[1..nd].CopyTo(destination[pos..]);
                pos += nd - 1;
            }
            destination[pos++] = (byte)'e';
            if (exp < 0)
            {
                destination[pos++] = (byte)'-';
                exp = -exp;
            }
            else
            {
                destination[pos++] = (byte)'+';
            }
            if (exp < 10)
            {
                destination[pos++] = (byte)'0';
                destination[pos++] = (byte)('0' + exp);
            }
            else if (exp < 100)
            {
                destination[pos++] = (byte)('0' + exp / 10);
                destination[pos++] = (byte)('0' + exp % 10);
            }
            else
            {
                destination[pos++] = (byte)('0' + exp / 100);
                destination[pos++] = (byte)('0' + exp / 10 % 10);
                destination[pos++] = (byte)('0' + exp % 10);
            }
            return pos;
        }

        // %f with exactly the digits needed.
        if (dp > 0)
        {
            for (var k = 0; k < dp; k++)
            {
                destination[pos++] = k < nd ? digits[k] : (byte)'0';
            }
        }
        else
        {
            destination[pos++] = (byte)'0';
        }
        if (nd > dp)
        {
            destination[pos++] = (byte)'.';
            for (var k = dp; k < nd; k++)
            {
                destination[pos++] = k < 0 ? (byte)'0' : digits[k];
            }
        }
        return pos;
    }

    private static int Ascii(Span<byte> destination, string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            destination[i] = (byte)s[i];
        }
        return s.Length;
    }
}
