using Microsoft.Extensions.Options;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// Which jobs keep their groups past the TTL as <em>stale</em>, and for how long
/// (<see cref="ExpiryOptions.Stale"/>). A stale group is listed (API, page) and marked, its
/// families are no longer scraped but its <c>push_time_seconds</c> is, and the sweep deletes it
/// <see cref="StaleRule.KeepFor"/> after its expiry. Stale is decided when read, from the stored
/// expiry and the reader's clock: nothing is written when a group turns stale.
/// </summary>
public sealed class StalePolicy
{
    /// <summary>The longest a rule may keep stale groups.</summary>
    public static readonly TimeSpan LongestKeep = TimeSpan.FromDays(366);

    private readonly Dictionary<string, TimeSpan> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, TimeSpan Keep)> _prefixes = [];

    public StalePolicy(IOptions<GatewayOptions> options)
        : this(options.Value.Expiry.Stale)
    {
    }

    public StalePolicy(IEnumerable<StaleRule> rules)
    {
        foreach (var rule in rules)
        {
            foreach (var pattern in StaleRule.Patterns(rule.Jobs))
            {
                if (pattern.EndsWith('*'))
                {
                    _prefixes.Add((pattern[..^1], rule.KeepFor));
                }
                else
                {
                    _exact.TryAdd(pattern, rule.KeepFor);
                }
            }
        }
        // The most specific pattern wins: the longest prefix first.
        _prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
    }

    public bool IsEmpty => _exact.Count == 0 && _prefixes.Count == 0;

    /// <summary>How long the job's groups stay stale after expiring, or null: deleted at expiry.</summary>
    public TimeSpan? KeepFor(string job)
    {
        if (_exact.TryGetValue(job, out var keep))
        {
            return keep;
        }
        foreach (var (prefix, prefixKeep) in _prefixes)
        {
            if (job.StartsWith(prefix, StringComparison.Ordinal))
            {
                return prefixKeep;
            }
        }
        return null;
    }

    /// <summary>What the group is at <paramref name="now"/>: live, stale (until when), or gone.</summary>
    public GroupLife LifeOf(MetricGroup group, DateTimeOffset now)
    {
        if (!group.IsExpiredAt(now))
        {
            return GroupLife.Live;
        }
        if (IsEmpty || KeepFor(group.Key.Job) is not { } keep || group.ExpiresAt!.Value + keep <= now)
        {
            return GroupLife.Gone;
        }
        return GroupLife.Stale;
    }

    /// <summary>The errors of the rules as configured (empty if they are fine).</summary>
    public static IEnumerable<string> Validate(IReadOnlyList<StaleRule> rules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var at = $"Gateway:Expiry:Stale:{i}";
            var patterns = StaleRule.Patterns(rule.Jobs).ToList();
            if (patterns.Count == 0)
            {
                yield return $"{at}:Jobs must name at least one job or job prefix (name*).";
            }
            foreach (var pattern in patterns)
            {
                if (pattern.IndexOf('*', StringComparison.Ordinal) is var star && star >= 0 && star != pattern.Length - 1)
                {
                    yield return $"{at}:Jobs: '{pattern}' may hold '*' only at its end (a prefix).";
                }
                else if (!seen.Add(pattern))
                {
                    yield return $"{at}:Jobs: '{pattern}' is named by an earlier rule too.";
                }
            }
            if (rule.KeepFor <= TimeSpan.Zero || rule.KeepFor > LongestKeep)
            {
                yield return $"{at}:KeepFor must be more than 0 and at most {LongestKeep} (is {rule.KeepFor}).";
            }
        }
    }
}

/// <summary>A group's state by the reader's clock.</summary>
public enum GroupLife
{
    Live,
    Stale,
    Gone,
}

/// <summary>One rule of <see cref="ExpiryOptions.Stale"/>: jobs that keep stale groups, and for how long.</summary>
public sealed class StaleRule
{
    /// <summary>Job names and <c>prefix*</c> patterns, separated by commas or spaces (<c>backup, etl-*</c>).</summary>
    public string Jobs { get; set; } = string.Empty;

    /// <summary>How long after its expiry a group of these jobs is kept as stale before the sweep deletes it.</summary>
    public TimeSpan KeepFor { get; set; }

    internal static IEnumerable<string> Patterns(string? jobs) =>
        (jobs ?? string.Empty).Split([',', ' ', '\t', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
