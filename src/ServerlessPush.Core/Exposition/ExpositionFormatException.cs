namespace ServerlessPush.Core.Exposition;

/// <summary>
/// A body that is not valid exposition text or protobuf. The message is the one the reference
/// Pushgateway answers with (e.g. <c>text format parsing error in line 3: …</c>), sent as a 400.
/// </summary>
public sealed class ExpositionFormatException : Exception
{
    public ExpositionFormatException(string message, int? lineNumber = null)
        : base(message)
    {
        LineNumber = lineNumber;
    }

    /// <summary>True when the body was refused for exceeding a size limit (a 413), not for being malformed.</summary>
    public bool LimitExceeded { get; init; }

    /// <summary>1-based line of a text-format error; null for protobuf errors.</summary>
    public int? LineNumber { get; }
}
