using System.Text;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// Decodes <c>@base64</c> path values like the reference (trailing '=' trimmed, then unpadded
/// base64url), and also the standard alphabet's '+', which some clients send. Error texts are Go's
/// <c>illegal base64 data at input byte N</c>.
/// </summary>
public static class Base64Value
{
    public static bool TryDecode(string encoded, out string value, out string error, out string partial)
    {
        var s = encoded.TrimEnd('=');
        var bytes = new List<byte>(s.Length * 3 / 4);
        var quantum = new int[4];
        var i = 0;
        while (i < s.Length)
        {
            var n = 0;
            var start = i;
            while (n < 4 && i < s.Length)
            {
                var v = Sextet(s[i]);
                if (v < 0)
                {
                    return Fail(i, bytes, out value, out error, out partial);
                }
                quantum[n++] = v;
                i++;
            }
            if (n == 1)
            {
                // A single leftover character cannot encode a byte.
                return Fail(start, bytes, out value, out error, out partial);
            }
            bytes.Add((byte)((quantum[0] << 2) | (quantum[1] >> 4)));
            if (n > 2)
            {
                bytes.Add((byte)(((quantum[1] & 0xF) << 4) | (quantum[2] >> 2)));
            }
            if (n > 3)
            {
                bytes.Add((byte)(((quantum[2] & 0x3) << 6) | quantum[3]));
            }
        }
        value = Encoding.UTF8.GetString(bytes.ToArray());
        error = string.Empty;
        partial = value;
        return true;
    }

    /// <summary>URL-safe base64 with '=' padding, as the web page and clients build delete URLs.</summary>
    public static string Encode(string value)
    {
        var b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');
        return b64.Length == 0 ? "=" : b64;
    }

    private static bool Fail(int index, List<byte> decoded, out string value, out string error, out string partial)
    {
        value = string.Empty;
        error = $"illegal base64 data at input byte {index}";
        partial = Encoding.UTF8.GetString(decoded.ToArray());
        return false;
    }

    private static int Sextet(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' or '+' => 62,
        '_' => 63,
        _ => -1,
    };
}
