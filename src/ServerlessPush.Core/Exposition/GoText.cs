using System.Globalization;
using System.Text;

namespace ServerlessPush.Core.Exposition;

/// <summary>
/// Helpers that reproduce the text the Go standard library produces, so that error messages
/// match the reference byte for byte: <c>%q</c> of a string (strconv.Quote) and of a byte
/// (strconv.QuoteRune), <c>%c</c> of a byte, and the float and integer syntax that
/// strconv.ParseFloat / strconv.ParseInt accept.
/// </summary>
internal static class GoText
{
    private const string LowerHex = "0123456789abcdef";

    private static readonly double[] PowersOf10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];

    /// <summary>Go <c>%q</c> of a string given as raw bytes (invalid UTF-8 becomes <c>\xNN</c>).</summary>
    public static string Quote(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        while (!s.IsEmpty)
        {
            byte b = s[0];
            if (b < 0x80)
            {
                AppendEscapedRune(sb, b, '"');
                s = s[1..];
                continue;
            }
            var status = Rune.DecodeFromUtf8(s, out Rune r, out int consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                // Go decodes an invalid sequence as one byte of RuneError and prints it as \xNN.
                sb.Append("\\x").Append(LowerHex[b >> 4]).Append(LowerHex[b & 0xF]);
                s = s[1..];
                continue;
            }
            AppendEscapedRune(sb, r.Value, '"');
            s = s[consumed..];
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Go <c>%q</c> of a <c>byte</c> value: a single-quoted rune literal of U+0000..U+00FF.</summary>
    public static string QuoteByte(byte b)
    {
        var sb = new StringBuilder(8);
        sb.Append('\'');
        AppendEscapedRune(sb, b, '\'');
        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>Go <c>%c</c> of a <c>byte</c> value: the rune U+0000..U+00FF.</summary>
    public static string CharOfByte(byte b) => ((char)b).ToString();

    private static void AppendEscapedRune(StringBuilder sb, int r, char quote)
    {
        if (r == quote || r == '\\')
        {
            sb.Append('\\').Append((char)r);
            return;
        }
        if (IsPrint(r))
        {
            sb.Append(new Rune(r).ToString());
            return;
        }
        switch (r)
        {
            case 0x07: sb.Append("\\a"); return;
            case 0x08: sb.Append("\\b"); return;
            case 0x0C: sb.Append("\\f"); return;
            case 0x0A: sb.Append("\\n"); return;
            case 0x0D: sb.Append("\\r"); return;
            case 0x09: sb.Append("\\t"); return;
            case 0x0B: sb.Append("\\v"); return;
        }
        if (r < ' ' || r == 0x7F)
        {
            sb.Append("\\x").Append(LowerHex[r >> 4]).Append(LowerHex[r & 0xF]);
        }
        else if (r < 0x10000)
        {
            sb.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append("\\U").Append(r.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.</summary>
    private static bool IsPrint(int r)
    {
        if (r < 0x80)
        {
            return r >= 0x20 && r < 0x7F;
        }
        switch (Rune.GetUnicodeCategory(new Rune(r)))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
            case UnicodeCategory.MathSymbol:
            case UnicodeCategory.CurrencySymbol:
            case UnicodeCategory.ModifierSymbol:
            case UnicodeCategory.OtherSymbol:
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The float syntax of the reference: Go strconv.ParseFloat(s, 64), except that any
    /// <c>p</c>, <c>P</c> or <c>_</c> is refused. Overflow (a finite literal that rounds to
    /// infinity) is an error; underflow gives zero. Hexadecimal needs a <c>p</c> exponent in Go,
    /// so no hexadecimal form is accepted here.
    /// </summary>
    public static bool TryParseFloat(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        int i = 0;
        bool negative = false;
        bool signed = false;
        if (s[0] == (byte)'+' || s[0] == (byte)'-')
        {
            negative = s[0] == (byte)'-';
            signed = true;
            i = 1;
        }
        var rest = s[i..];
        if (rest.Length == 3 || rest.Length == 8)
        {
            if (Ascii.EqualsIgnoreCase(rest, "inf"u8) || Ascii.EqualsIgnoreCase(rest, "infinity"u8))
            {
                value = negative ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }
            if (!signed && Ascii.EqualsIgnoreCase(rest, "nan"u8))
            {
                value = double.NaN;
                return true;
            }
        }

        // Decimal: digits [ '.' digits ] (at least one digit) [ (e|E) [sign] digits ].
        int digits = 0;
        int fractionDigits = 0;
        ulong mantissa = 0;
        while (i < s.Length && IsDigit(s[i]))
        {
            mantissa = unchecked(mantissa * 10 + (ulong)(s[i] - '0'));
            i++;
            digits++;
        }
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            while (i < s.Length && IsDigit(s[i]))
            {
                mantissa = unchecked(mantissa * 10 + (ulong)(s[i] - '0'));
                i++;
                digits++;
                fractionDigits++;
            }
        }
        if (digits == 0)
        {
            return false;
        }
        if (i == s.Length && digits <= 15)
        {
            // Exact mantissa below 2^53 and an exact power of ten: one correctly rounded division.
            double d = mantissa / PowersOf10[fractionDigits];
            value = negative ? -d : d;
            return true;
        }
        if (i < s.Length && (s[i] == (byte)'e' || s[i] == (byte)'E'))
        {
            i++;
            if (i < s.Length && (s[i] == (byte)'+' || s[i] == (byte)'-'))
            {
                i++;
            }
            int expDigits = 0;
            while (i < s.Length && IsDigit(s[i]))
            {
                i++;
                expDigits++;
            }
            if (expDigits == 0)
            {
                return false;
            }
        }
        if (i != s.Length)
        {
            return false;
        }

        if (!double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        // Go reports a range error for a literal too large for float64.
        return !double.IsInfinity(value);
    }

    /// <summary>Go strconv.ParseInt(s, 10, 64).</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (!s.IsEmpty && (s[0] == (byte)'+' || s[0] == (byte)'-'))
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }
        if (i == s.Length)
        {
            return false;
        }
        ulong acc = 0;
        const ulong limit = 1UL << 63;
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            if (!IsDigit(b))
            {
                return false;
            }
            if (acc > (limit - (ulong)(b - '0')) / 10)
            {
                return false; // would exceed 2^63
            }
            acc = acc * 10 + (ulong)(b - '0');
        }
        if (negative)
        {
            value = acc == limit ? long.MinValue : -(long)acc;
            return true;
        }
        if (acc >= limit)
        {
            return false;
        }
        value = (long)acc;
        return true;
    }

    /// <summary>
    /// Go's <c>uint64(f)</c> on amd64: values below 2^63 convert through a signed truncation
    /// (so -1 becomes 2^64-1); NaN and out-of-range values give 2^63.
    /// </summary>
    public static ulong Float64ToUint64(double f)
    {
        const double TwoPow63 = 9223372036854775808.0;
        if (f < TwoPow63)
        {
            return unchecked((ulong)Cvttsd2si(f));
        }
        return unchecked((ulong)Cvttsd2si(f - TwoPow63)) | 0x8000000000000000UL;
    }

    private static long Cvttsd2si(double f)
    {
        const double TwoPow63 = 9223372036854775808.0;
        if (double.IsNaN(f) || f >= TwoPow63 || f < -TwoPow63)
        {
            return long.MinValue; // the x86 "integer indefinite" value
        }
        return (long)f;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
