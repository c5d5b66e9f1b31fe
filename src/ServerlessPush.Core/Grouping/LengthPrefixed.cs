using System.Text;

namespace ServerlessPush.Core.Grouping;

/// <summary>
/// Joins strings into one that can be split back: each as <c>&lt;length&gt;:&lt;text&gt;</c> (length in
/// UTF-16 code units). Reading a sequence back is unambiguous (digits up to ':', then exactly that
/// many characters), so distinct sequences give distinct strings whatever characters the text holds;
/// a separator character would not do that, as every character can occur in label values.
/// </summary>
internal static class LengthPrefixed
{
    public static StringBuilder AppendField(this StringBuilder builder, string text) =>
        builder.Append(text.Length).Append(':').Append(text);
}
