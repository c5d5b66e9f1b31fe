using System.Globalization;
using System.Text.RegularExpressions;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// The per-push TTL, sent as the <c>X-ServerlessPush-TTL</c> header (every client library can add
/// a header): a Prometheus duration (<c>90s</c>, <c>15m</c>, <c>1h30m</c>, <c>7d</c>) or whole seconds.
/// </summary>
public static partial class PushTtl
{
    public const string HeaderName = "X-ServerlessPush-TTL";

    /// <summary>Null when the header is absent; otherwise the TTL, or the 400 reason.</summary>
    public static (TimeSpan? Ttl, string? Error) Parse(string? value, TimeSpan max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }
        value = value.Trim();
        TimeSpan ttl;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= (long)TimeSpan.MaxValue.TotalSeconds)
        {
            ttl = TimeSpan.FromSeconds(seconds);
        }
        else if (!TryParseDuration(value, out ttl))
        {
            return (null, $"invalid {HeaderName} header {value}: expected a duration such as 90s, 15m, 1h30m or 7d");
        }
        if (ttl <= TimeSpan.Zero)
        {
            return (null, $"invalid {HeaderName} header {value}: must be positive");
        }
        if (ttl > max)
        {
            return (null, $"{HeaderName} header {value} exceeds the maximum of {max}");
        }
        return (ttl, null);
    }

    private static bool TryParseDuration(string value, out TimeSpan ttl)
    {
        ttl = TimeSpan.Zero;
        var match = DurationPattern().Match(value);
        if (!match.Success)
        {
            return false;
        }
        try
        {
            foreach (Capture capture in match.Groups["part"].Captures)
            {
                var text = capture.Value;
                var unitStart = text.IndexOfAny("smhdwy".ToCharArray());
                var number = long.Parse(text[..unitStart], CultureInfo.InvariantCulture);
                ttl += text[unitStart..] switch
                {
                    "ms" => TimeSpan.FromMilliseconds(number),
                    "s" => TimeSpan.FromSeconds(number),
                    "m" => TimeSpan.FromMinutes(number),
                    "h" => TimeSpan.FromHours(number),
                    "d" => TimeSpan.FromDays(number),
                    "w" => TimeSpan.FromDays(7 * number),
                    _ => TimeSpan.FromDays(365 * number),
                };
            }
            return true;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?<part>[0-9]{1,12}(ms|s|m|h|d|w|y))+$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
