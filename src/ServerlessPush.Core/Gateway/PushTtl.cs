using System.Globalization;
using System.Numerics;
using System.Text;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// The per-push TTL, sent as the <c>X-ServerlessPush-TTL</c> header (every client library can add
/// a header): a Prometheus duration (<c>90s</c>, <c>15m</c>, <c>1h30m</c>, <c>7d</c>) or whole seconds.
/// Durations follow Prometheus's <c>model.ParseDuration</c>: one or more number-unit pairs, each unit
/// at most once and largest first (y w d h m s ms), a year being 365 days and a week 7.
/// </summary>
public static class PushTtl
{
    public const string HeaderName = "X-ServerlessPush-TTL";

    private static readonly (string Unit, long Milliseconds)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000),
        ("ms", 1),
    ];

    /// <summary>Null when the header is absent; otherwise the TTL, or the 400.</summary>
    public static (TimeSpan? Ttl, Rejection? Rejection) Parse(string? value, TimeSpan max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }
        value = value.Trim();
        // Arbitrary precision, so that a number too large for any clock still gets "exceeds the maximum".
        BigInteger milliseconds;
        if (value.All(char.IsAsciiDigit))
        {
            milliseconds = BigInteger.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) * 1000;
        }
        else
        {
            var (parsed, error) = ParseDuration(value);
            if (error is not null)
            {
                return (null, Rejection.BadRequest($"invalid {HeaderName} header {value}: {error}", RejectionReason.Parse));
            }
            milliseconds = parsed;
        }
        if (milliseconds <= 0)
        {
            return (null, Rejection.BadRequest($"invalid {HeaderName} header {value}: must be positive", RejectionReason.Parse));
        }
        if (milliseconds > (BigInteger)max.TotalMilliseconds)
        {
            return (null, Rejection.BadRequest($"{HeaderName} header {value} exceeds the maximum of {Format(max)}", RejectionReason.Limits));
        }
        return (TimeSpan.FromMilliseconds((long)milliseconds), null);
    }

    /// <summary>
    /// A duration in the header's own syntax, as Prometheus writes one: years and weeks only when
    /// they divide it exactly (<c>31d</c>, not <c>4w3d</c>), then d h m s ms; <c>0s</c> for zero.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        var remaining = (long)duration.TotalMilliseconds;
        if (remaining <= 0)
        {
            return "0s";
        }
        var text = new StringBuilder();
        foreach (var (unit, size) in Units)
        {
            var exactOnly = unit is "y" or "w";
            if (remaining / size > 0 && (!exactOnly || remaining % size == 0))
            {
                text.Append(CultureInfo.InvariantCulture, $"{remaining / size}{unit}");
                remaining %= size;
            }
        }
        return text.ToString();
    }

    internal static (BigInteger Milliseconds, string? Error) ParseDuration(string value)
    {
        const string expected = "expected a duration such as 90s, 15m, 1h30m or 7d";
        BigInteger total = 0;
        var lastUnit = -1;
        var i = 0;
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }
            var unitStart = i;
            while (i < value.Length && !char.IsAsciiDigit(value[i]))
            {
                i++;
            }
            var unit = Array.FindIndex(Units, u => value.AsSpan(unitStart, i - unitStart).SequenceEqual(u.Unit));
            if (unitStart == start || unit < 0)
            {
                return (0, expected);
            }
            if (unit <= lastUnit)
            {
                return (0, "each unit at most once, largest first (y w d h m s ms), e.g. 1h30m");
            }
            lastUnit = unit;
            total += BigInteger.Parse(value.AsSpan(start, unitStart - start), NumberStyles.None, CultureInfo.InvariantCulture) * Units[unit].Milliseconds;
        }
        return (total, null);
    }
}
