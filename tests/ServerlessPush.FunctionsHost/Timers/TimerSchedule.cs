using System.Globalization;
using NCrontab;

namespace ServerlessPush.FunctionsHost.Timers;

/// <summary>
/// A timer trigger's schedule as the host reads it: an NCRONTAB expression (six fields with
/// seconds, or five), else a <see cref="TimeSpan"/> period. Occurrences are computed in UTC, as on
/// Linux plans without <c>WEBSITE_TIME_ZONE</c>.
/// </summary>
public sealed class TimerSchedule
{
    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan _period;

    private TimerSchedule(string expression, CrontabSchedule? cron, TimeSpan period)
    {
        Expression = expression;
        _cron = cron;
        _period = period;
    }

    public string Expression { get; }

    /// <summary>
    /// Whether the host keeps a schedule status (its schedule monitor) for this timer: not for
    /// schedules that fire more than once a minute.
    /// </summary>
    public bool UsesMonitor(DateTime nowUtc)
    {
        if (_cron is null)
        {
            return _period.TotalMinutes >= 1;
        }
        var fields = _cron.ToString().Split(' ');
        // Only a "x * * * * *" schedule can fire more than once a minute.
        return fields.Skip(1).Any(f => f != "*") || _cron.GetNextOccurrences(nowUtc, nowUtc.AddMinutes(1)).Take(2).Count() <= 1;
    }

    public DateTime NextAfter(DateTime nowUtc) => _cron?.GetNextOccurrence(nowUtc) ?? nowUtc + _period;

    /// <summary>Parses the resolved expression.</summary>
    /// <exception cref="ArgumentException">Neither a cron expression nor a period, with the host's message.</exception>
    public static TimerSchedule Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is 5 or 6 && CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields != 5 }) is { } cron)
        {
            return new TimerSchedule(expression, cron, TimeSpan.Zero);
        }
        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var period) && period > TimeSpan.Zero)
        {
            return new TimerSchedule(expression, null, period);
        }
        throw new ArgumentException($"The schedule expression '{expression}' was not recognized as a valid cron expression or timespan string.");
    }

    public override string ToString() => Expression;
}
