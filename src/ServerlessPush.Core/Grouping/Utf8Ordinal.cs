namespace ServerlessPush.Core.Grouping;

/// <summary>
/// Orders strings the way Go's <c>&lt;</c> orders them: by their UTF-8 bytes, which is code point
/// order. Plain ordinal comparison of .NET strings (UTF-16 code units) differs for characters
/// above U+FFFF against U+E000–U+FFFF; this comparer fixes that case.
/// </summary>
public sealed class Utf8Ordinal : IComparer<string>
{
    public static readonly Utf8Ordinal Instance = new();

    private Utf8Ordinal()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        var i = x.AsSpan().CommonPrefixLength(y);
        if (i == x.Length || i == y.Length)
        {
            return x.Length - y.Length;
        }
        int a = x[i], b = y[i];
        if (a >= 0xD800 && b >= 0xD800)
        {
            // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
            a = a >= 0xE000 ? a - 0x800 : a + 0x2000;
            b = b >= 0xE000 ? b - 0x800 : b + 0x2000;
        }
        return a - b;
    }
}
