using ServerlessPush.FunctionsHost;
using ServerlessPush.FunctionsHost.Timers;

namespace ServerlessPush.Functions.Tests;

/// <summary>The Functions test host's setting resolution and schedules, with the host's messages.</summary>
public sealed class FunctionsTestHostPartsTests
{
    [Fact]
    public void Settings_resolve_from_app_settings_by_either_separator()
    {
        var settings = new AppSettings(new Dictionary<string, string?> { ["Gateway__Expiry__Schedule"] = "0 */5 * * * *" });
        Assert.Equal("every 0 */5 * * * * then", settings.ResolveWholeString("every %Gateway:Expiry:Schedule% then"));
        Assert.Equal("0 */5 * * * *", settings["Gateway:Expiry:Schedule"]);
        Assert.Equal("plain", settings.ResolveWholeString("plain"));
    }

    [Fact]
    public void An_unset_or_unclosed_setting_name_fails_with_the_sdk_message()
    {
        var settings = new AppSettings(new Dictionary<string, string?>());
        var unset = Assert.Throws<InvalidOperationException>(() => settings.ResolveWholeString("%Serverlesspush:No:Such:Setting%"));
        Assert.Equal("'%Serverlesspush:No:Such:Setting%' does not resolve to a value.", unset.Message);
        var unclosed = Assert.Throws<InvalidOperationException>(() => settings.ResolveWholeString("a %b"));
        Assert.Equal("The '%' at position 2 does not have a closing '%'", unclosed.Message);
    }

    [Theory]
    [InlineData("*/2 * * * * *", "2026-12-01T10:00:01", "2026-12-01T10:00:02")]
    [InlineData("0 */5 * * * *", "2026-12-01T10:00:01", "2026-12-01T10:05:00")]
    [InlineData("*/10 * * * *", "2026-12-01T10:00:01", "2026-12-01T10:10:00")]
    [InlineData("00:00:30", "2026-12-01T10:00:01", "2026-12-01T10:00:31")]
    public void Schedules_are_ncrontab_with_or_without_seconds_or_a_period(string expression, string now, string next)
    {
        var at = DateTime.Parse(now, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTime.Parse(next, System.Globalization.CultureInfo.InvariantCulture), TimerSchedule.Parse(expression).NextAfter(at));
    }

    [Fact]
    public void A_bad_schedule_fails_with_the_host_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => TimerSchedule.Parse("every five minutes"));
        Assert.Equal("The schedule expression 'every five minutes' was not recognized as a valid cron expression or timespan string.", ex.Message);
    }

    [Theory]
    [InlineData("*/2 * * * * *", false)]
    [InlineData("0 * * * * *", true)]
    [InlineData("0 */5 * * * *", true)]
    [InlineData("00:00:30", false)]
    [InlineData("00:05:00", true)]
    public void Only_schedules_of_a_minute_or_more_keep_a_schedule_status(string expression, bool usesMonitor) =>
        Assert.Equal(usesMonitor, TimerSchedule.Parse(expression).UsesMonitor(new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc)));
}
