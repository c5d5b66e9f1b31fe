namespace ServerlessPush.Core.Storage;

/// <summary>Storage did not answer, refused, or throttled: the request can be retried later (503).</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null, string kind = StorageUnavailableException.UnavailableKind) : Exception(message, inner)
{
    /// <summary>The kind of a fault the store found no more about.</summary>
    public const string UnavailableKind = "unavailable";

    /// <summary>What happened, for the log line and metrics: the status storage answered, <c>timeout</c>, <c>no response</c>, <c>unavailable</c>.</summary>
    public string Kind { get; } = kind;
}
