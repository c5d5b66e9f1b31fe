using System.Text;

namespace ServerlessPush.Http;

/// <summary>
/// The <c>Location</c> the reference sends for a cleaned path: Go's <c>url.URL{Path: p}.String()</c>
/// escaping (path mode), then the query as received. Everything but letters, digits and
/// <c>-_.~$&amp;+,/:;=@</c> is percent-encoded as UTF-8, so a backslash, a control character or a
/// non-ASCII byte can neither leave the site (<c>/\evil.com/</c> → <c>/%5Cevil.com/</c>) nor break the header.
/// </summary>
public static class RedirectLocation
{
    /// <param name="path">The decoded, cleaned path (starts with '/').</param>
    /// <param name="query">The raw query string with its '?', or null.</param>
    public static string Build(string path, string? query)
    {
        var builder = new StringBuilder(path.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            if (IsKeptInPath(b))
            {
                builder.Append((char)b);
            }
            else
            {
                AppendEscaped(builder, b);
            }
        }
        if (!string.IsNullOrEmpty(query))
        {
            // Kestrel has already refused control characters in the request target; anything outside
            // printable ASCII is still escaped (Go's hexEscapeNonASCII), so no header can be split.
            foreach (var b in Encoding.UTF8.GetBytes(query))
            {
                if (b is > 0x20 and < 0x7F)
                {
                    builder.Append((char)b);
                }
                else
                {
                    AppendEscaped(builder, b);
                }
            }
        }
        return builder.ToString();
    }

    /// <summary>Go's <c>shouldEscape(c, encodePath)</c> is false: unreserved characters and the reserved ones a path keeps.</summary>
    private static bool IsKeptInPath(byte c) =>
        c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
            or (byte)'$' or (byte)'&' or (byte)'+' or (byte)',' or (byte)'/' or (byte)':' or (byte)';' or (byte)'=' or (byte)'@';

    private static void AppendEscaped(StringBuilder builder, byte b)
    {
        const string hex = "0123456789ABCDEF";
        builder.Append('%').Append(hex[b >> 4]).Append(hex[b & 0xF]);
    }
}
