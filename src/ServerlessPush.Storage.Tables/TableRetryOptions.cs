namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The Azure SDK's retries of one storage call (section <c>Gateway:Tables:Retry</c>): exponential
/// back-off with jitter. Every try has its own <see cref="NetworkTimeout"/>; the request deadline
/// (<c>Gateway:RequestDeadline</c>) bounds all tries together, so with the defaults one lost or hung
/// try is retried and a storage that stays hung is answered 503 at the deadline.
/// </summary>
public sealed class TableRetryOptions
{
    /// <summary>Retries after the first try.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off; it doubles on each retry.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one try may wait for the response (and each read of its body).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
