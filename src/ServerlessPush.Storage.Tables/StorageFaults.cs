using System.Globalization;
using System.Net.Sockets;
using Azure;
using Azure.Identity;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The one mapping from what the Azure SDK, the network and the credential throw to "storage cannot
/// answer now" (<see cref="StorageUnavailableException"/>, answered 503 with Retry-After). Every
/// storage call of the store and the index is wrapped with it (<see cref="StorageGuard"/>), so the
/// layers above see only <see cref="StorageUnavailableException"/>, with its <see cref="StorageUnavailableException.Kind"/>.
/// </summary>
public static class StorageFaults
{
    /// <summary>
    /// True for a fault of storage or of the way to it: any <see cref="RequestFailedException"/> that
    /// reaches here (status 0 = no response, 408, 429, 5xx; also a 4xx the store does not expect, such
    /// as 403 while a role assignment propagates: never a 500), the SDK's per-try network timeout
    /// (a <see cref="OperationCanceledException"/> the caller did not ask for), I/O, socket and HTTP
    /// errors, a failed token request, and the SDK's <c>AggregateException("Retry failed after n
    /// tries")</c> over any mix of these.
    /// False for a cancellation through <paramref name="cancellationToken"/>: the client went away or
    /// the request's deadline passed, and the HTTP layer, which knows which, answers (or does not).
    /// </summary>
    public static bool IsUnavailable(Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException)
        {
            return !cancellationToken.IsCancellationRequested;
        }
        return IsFault(exception);
    }

    /// <summary>A <see cref="StorageUnavailableException"/> whose message says what happened, for the 503's body.</summary>
    public static StorageUnavailableException Unavailable(Exception exception) => exception as StorageUnavailableException ?? new(Describe(exception), exception, Kind(exception));

    /// <summary>The kind of fault, for the log line and metrics: the status storage answered, <c>timeout</c>, or <c>no response</c>.</summary>
    public static string Kind(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // The store wraps what the SDK threw; its own refusals (a write permit lost to contention) wrap nothing of storage.
        var cause = exception is StorageUnavailableException { InnerException: { } inner } ? inner : exception;
        if (Status(cause) is { } status)
        {
            return status.ToString(CultureInfo.InvariantCulture);
        }
        return Timeout(cause) ? "timeout" : IsFault(cause) ? "no response" : "refused";
    }

    private static bool IsFault(Exception exception) => exception switch
    {
        StorageUnavailableException => true,
        RequestFailedException => true,
        // Inner cancellations of an aggregate are tries the SDK gave up on, whoever cancelled the last one.
        AggregateException aggregate => aggregate.Flatten().InnerExceptions is { Count: > 0 } inner
            && inner.All(e => e is OperationCanceledException || IsFault(e)),
        OperationCanceledException or TimeoutException => true,
        HttpRequestException or IOException or SocketException => true,
        AuthenticationFailedException => true,
        _ => false,
    };

    private static string Describe(Exception exception)
    {
        var status = Status(exception);
        return status switch
        {
            > 0 => $"Table storage is unavailable ({status.Value.ToString(CultureInfo.InvariantCulture)}).",
            _ when Timeout(exception) => "Table storage did not answer in time.",
            _ => "Table storage is unavailable (no response).",
        };
    }

    /// <summary>The HTTP status storage answered with, looking into the SDK's aggregate of tries (the last try's).</summary>
    private static int? Status(Exception exception) => exception switch
    {
        RequestFailedException { Status: > 0 } failed => failed.Status,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.Select(Status).LastOrDefault(s => s is not null),
        _ => null,
    };

    private static bool Timeout(Exception exception) => exception switch
    {
        OperationCanceledException or TimeoutException => true,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.Any(Timeout),
        _ => false,
    };
}
