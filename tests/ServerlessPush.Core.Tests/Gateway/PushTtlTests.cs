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
        Assert.Equal((TimeSpan.FromSeconds(seconds), (string?)null), PushTtl.Parse(header, Max));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_header_means_no_ttl_of_the_push(string? header) => Assert.Equal((null, null), PushTtl.Parse(header, Max));

    [Theory]
    [InlineData("1h 30m", "expected a duration")]
    [InlineData("-5", "expected a duration")]
    [InlineData("1.5h", "expected a duration")]
    [InlineData("0s", "must be positive")]
    [InlineData("32d", "exceeds the maximum")]
    [InlineData("99999999999999y", "expected a duration")]
    public void Bad_values_give_a_reason(string header, string reason)
    {
        var (ttl, error) = PushTtl.Parse(header, Max);
        Assert.Null(ttl);
        Assert.Contains(reason, error);
    }
}
