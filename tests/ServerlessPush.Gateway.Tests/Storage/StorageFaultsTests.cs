using System.Net.Sockets;
using Azure;
using ServerlessPush.Core.Storage;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Gateway.Tests.Storage;

/// <summary>
/// What counts as "storage cannot answer" (503), in particular the shapes the SDK throws when tries
/// time out: <c>AggregateException("Retry failed after 4 tries")</c> over TaskCanceledException, alone
/// or mixed with other faults, which once escaped as 500s.
/// </summary>
public sealed class StorageFaultsTests
{
    private static TaskCanceledException TimedOutTry() => new("The operation was cancelled because it exceeded the configured timeout of 0:00:02.");

    public static TheoryData<string, Exception> Faults => new()
    {
        { "tries timed out", new AggregateException("Retry failed after 4 tries.", TimedOutTry(), TimedOutTry(), TimedOutTry(), TimedOutTry()) },
        { "timeouts and no response", new AggregateException("Retry failed after 3 tries.", TimedOutTry(), new RequestFailedException("no response"), new HttpRequestException("refused")) },
        { "5xx and a socket error", new AggregateException(new RequestFailedException(503, "ServerBusy"), new IOException("reset", new SocketException(104))) },
        { "nested aggregate", new AggregateException(new AggregateException(TimedOutTry()), new RequestFailedException(500, "InternalError")) },
        { "one timed-out try", TimedOutTry() },
        { "throttled", new RequestFailedException(429, "TooManyRequests") },
        { "role not yet granted", new RequestFailedException(403, "AuthorizationPermissionMismatch") },
        { "socket", new SocketException(111) },
        { "timeout", new TimeoutException() },
        { "token", new Azure.Identity.AuthenticationFailedException("no token") },
        { "already mapped", new StorageUnavailableException("down") },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Storage_faults_are_unavailable(string what, Exception fault)
    {
        Assert.True(StorageFaults.IsUnavailable(fault, CancellationToken.None), what);
        Assert.IsType<StorageUnavailableException>(StorageFaults.Unavailable(fault));
    }

    [Fact]
    public void A_cancellation_by_the_caller_is_left_to_the_caller()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.False(StorageFaults.IsUnavailable(new OperationCanceledException(cancelled.Token), cancelled.Token));
        Assert.False(StorageFaults.IsUnavailable(TimedOutTry(), cancelled.Token));
    }

    [Fact]
    public void Bugs_are_not_storage_faults()
    {
        Assert.False(StorageFaults.IsUnavailable(new InvalidOperationException(), CancellationToken.None));
        Assert.False(StorageFaults.IsUnavailable(new AggregateException(TimedOutTry(), new NullReferenceException()), CancellationToken.None));
        Assert.False(StorageFaults.IsUnavailable(new AggregateException(), CancellationToken.None));
    }

    [Fact]
    public void The_message_says_what_storage_answered()
    {
        Assert.Equal("Table storage is unavailable (503).", StorageFaults.Unavailable(new AggregateException(TimedOutTry(), new RequestFailedException(503, "ServerBusy"))).Message);
        Assert.Equal("Table storage did not answer in time.", StorageFaults.Unavailable(new AggregateException(TimedOutTry(), TimedOutTry())).Message);
        Assert.Equal("Table storage is unavailable (no response).", StorageFaults.Unavailable(new HttpRequestException("refused")).Message);
    }
}
