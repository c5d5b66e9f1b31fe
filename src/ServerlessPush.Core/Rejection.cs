namespace ServerlessPush.Core;

/// <summary>Why a request was refused: the label of the rejection counter and of its log line.</summary>
public enum RejectionReason
{
    /// <summary>The path, body or a header could not be read (400).</summary>
    Parse,
    /// <summary>The push is invalid or clashes with stored metrics (400, the reference's "inconsistent").</summary>
    Consistency,
    /// <summary>A size or count limit (400 or 413).</summary>
    Limits,
    /// <summary>No key, an unknown key, a key without the right, or a cross-site request (401, 403).</summary>
    Access,
    /// <summary>No such route (404).</summary>
    NotFound,
    /// <summary>The route does not serve the method (405).</summary>
    Method,
    /// <summary>Storage is down, throttling or too slow (503 with Retry-After).</summary>
    Unavailable,
}

/// <summary>
/// A refused request: the status, the reference's plain-text message, and the kind of reason. Every
/// check returns one instead of writing an answer; the HTTP layer writes, logs and counts it in one place.
/// </summary>
/// <param name="Header">One header the answer needs (Allow for a 405, WWW-Authenticate for a 401).</param>
public sealed record Rejection(int Status, string Message, RejectionReason Reason, KeyValuePair<string, string>? Header = null)
{
    public static Rejection BadRequest(string message, RejectionReason reason) => new(400, message, reason);

    public static Rejection TooLarge(string message) => new(413, message, RejectionReason.Limits);
}
