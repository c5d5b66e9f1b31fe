namespace ServerlessPush.Core.Gateway;

/// <summary>
/// The reason a rejected push was given, as kept with the group: the same text, cut to
/// <see cref="MaxLength"/> characters (a storage property and a page cell stay small whatever the
/// push held), never inside a surrogate pair, and marked with an ellipsis when cut.
/// </summary>
public static class FailureReason
{
    public const int MaxLength = 1024;

    public static string Bound(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (reason.Length <= MaxLength)
        {
            return reason;
        }
        var cut = MaxLength - 1;
        if (char.IsHighSurrogate(reason[cut - 1]))
        {
            cut--;
        }
        return string.Concat(reason.AsSpan(0, cut), "…");
    }
}
