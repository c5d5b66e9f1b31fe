using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Core.Tests.Gateway;

public class PushTtlTests
{
    private static readonly TimeSpan Max = TimeSpan.FromDays(31);

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 604800)]
    [InlineData("1w", 604800)]
    [InlineData(" 2h ", 7200)]
    public void Durations_and_seconds_are_accepted(string header, int seconds) =>
        Assert.Equal((TimeSpan.FromSeconds(seconds), (Rejection?)null), PushTtl.Parse(header, Max));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_header_means_no_ttl_of_the_push(string? header) => Assert.Equal((null, null), PushTtl.Parse(header, Max));

    [Theory]
    [InlineData("1h 30m", "expected a duration")]
    [InlineData("-5", "expected a duration")]
    [InlineData("1.5h", "expected a duration")]
    [InlineData("0s", "must be positive")]
    [InlineData("32d", "exceeds the maximum of 31d")]
    [InlineData("99999999999999y", "exceeds the maximum of 31d")]
    [InlineData("9999999999999", "exceeds the maximum of 31d")]
    [InlineData("99999999999999999999999999", "exceeds the maximum of 31d")]
    [InlineData("60s60s", "each unit at most once")]
    [InlineData("1m1h", "each unit at most once")]
    [InlineData("1s1ms1s", "each unit at most once")]
    [InlineData("1x", "expected a duration")]
    [InlineData("h", "expected a duration")]
    public void Bad_values_give_a_reason(string header, string reason)
    {
        var (ttl, rejection) = PushTtl.Parse(header, Max);
        Assert.Null(ttl);
        Assert.Equal(400, rejection!.Status);
        Assert.Contains(reason, rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1y2w3d4h5m6s7ms", 31_536_000_000L + 1_209_600_000L + 259_200_000L + 14_400_000L + 300_000L + 6_000L + 7L)]
    [InlineData("1d1ms", 86_400_001L)]
    [InlineData("0001h", 3_600_000L)]
    public void Every_unit_once_in_order_is_accepted(string header, long milliseconds) =>
        Assert.Equal((TimeSpan.FromMilliseconds(milliseconds), (Rejection?)null), PushTtl.Parse(header, TimeSpan.FromDays(3650)));

    [Theory]
    [InlineData(31 * 86400, "31d")]
    [InlineData(14 * 86400, "2w")]
    [InlineData(365 * 86400, "1y")]
    [InlineData(36 * 3600, "1d12h")]
    [InlineData(5400, "1h30m")]
    [InlineData(0, "0s")]
    public void The_maximum_is_said_in_the_header_syntax(int seconds, string expected) =>
        Assert.Equal(expected, PushTtl.Format(TimeSpan.FromSeconds(seconds)));
}
