using System.Buffers;
using System.Globalization;
using System.Text;
using ServerlessPush.Core.Exposition;

namespace ServerlessPush.Core.Api;

/// <summary>
/// The few JSON primitives of Go's <c>encoding/json</c> (Go 1.19, as in the reference build) that
/// the API output needs, byte for byte: string escaping and <c>time.Time</c>.
/// </summary>
/// <remarks>
/// <see cref="System.Text.Json.Utf8JsonWriter"/> is not used because none of its encoders
/// reproduce Go's escaping: Go escapes only <c>"</c>, <c>\</c>, control characters (<c>\n</c>,
/// <c>\r</c>, <c>\t</c> short, others as lower-case <c>\u00xx</c>, so <c>\b</c> is <c>\u0008</c>),
/// <c>&lt;</c> <c>&gt;</c> <c>&amp;</c> (HTML-safe mode) and U+2028/U+2029, and writes every other
/// character, emoji included, as raw UTF-8.
/// </remarks>
internal static class GoJson
{
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        Utf8Output.Write(output, (byte)'"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var needsEscape = c < 0x20 || c is '"' or '\\' or '<' or '>' or '&' or '\u2028' or '\u2029';
            var loneSurrogate = false;
            if (!needsEscape && char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++; // a valid pair: raw UTF-8
                    continue;
                }
                loneSurrogate = true;
            }
            if (!needsEscape && !loneSurrogate)
            {
                continue;
            }
            WriteRaw(output, value.AsSpan(start, i - start));
            start = i + 1;
            if (loneSurrogate)
            {
                Utf8Output.Write(output, "\\ufffd"u8);
                continue;
            }
            switch (c)
            {
                case '"':
                    Utf8Output.Write(output, "\\\""u8);
                    break;
                case '\\':
                    Utf8Output.Write(output, "\\\\"u8);
                    break;
                case '\n':
                    Utf8Output.Write(output, "\\n"u8);
                    break;
                case '\r':
                    Utf8Output.Write(output, "\\r"u8);
                    break;
                case '\t':
                    Utf8Output.Write(output, "\\t"u8);
                    break;
                default:
                    var span = output.GetSpan(6);
                    span[0] = (byte)'\\';
                    span[1] = (byte)'u';
                    span[2] = Hex[(c >> 12) & 0xF];
                    span[3] = Hex[(c >> 8) & 0xF];
                    span[4] = Hex[(c >> 4) & 0xF];
                    span[5] = Hex[c & 0xF];
                    output.Advance(6);
                    break;
            }
        }
        WriteRaw(output, value.AsSpan(start));
        Utf8Output.Write(output, (byte)'"');
    }

    /// <summary>
    /// Go's <c>time.Time</c> JSON: RFC 3339 with the fraction's trailing zeros trimmed (none if
    /// zero), <c>Z</c> for a zero offset, else <c>±hh:mm</c>. Null gives Go's zero time.
    /// </summary>
    public static string FormatTime(DateTimeOffset? time)
    {
        if (time is null)
        {
            return "0001-01-01T00:00:00Z";
        }
        var t = time.Value;
        var sb = new StringBuilder(40);
        sb.Append(t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        var fraction = t.Ticks % TimeSpan.TicksPerSecond;
        if (fraction != 0)
        {
            sb.Append('.').Append(fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        if (t.Offset == TimeSpan.Zero)
        {
            sb.Append('Z');
        }
        else
        {
            var offset = t.Offset;
            sb.Append(offset < TimeSpan.Zero ? '-' : '+');
            offset = offset.Duration();
            sb.Append(offset.Hours.ToString("D2", CultureInfo.InvariantCulture)).Append(':')
              .Append(offset.Minutes.ToString("D2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        output.Advance(Encoding.UTF8.GetBytes(chars, span));
    }
}
