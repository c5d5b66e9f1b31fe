namespace ServerlessPush.Core.Selectors;

/// <summary>
/// The jobs a scoped key may touch: exact names and <c>prefix*</c> patterns (a <c>*</c> only at the
/// end; <c>*</c> alone is every job). <see cref="All"/> is the scope of an unscoped key.
/// </summary>
public sealed class JobScope
{
    private readonly HashSet<string> _exact;
    private readonly string[] _prefixes;

    private JobScope(HashSet<string> exact, string[] prefixes, bool all)
    {
        _exact = exact;
        _prefixes = prefixes;
        IsAll = all;
    }

    public static JobScope All { get; } = new([], [], all: true);

    public bool IsAll { get; }

    /// <summary>The exact job names, when the scope has no prefix pattern (then its jobs can be read by key range); else null.</summary>
    public IReadOnlySet<string>? ExactJobs => IsAll || _prefixes.Length > 0 ? null : _exact;

    /// <summary>Parses a list such as <c>backup, etl-*</c> (comma or white space separated), or gives the reason it is invalid.</summary>
    public static (JobScope? Scope, string? Error) Parse(IEnumerable<string> patterns)
    {
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var prefixes = new List<string>();
        foreach (var pattern in patterns.SelectMany(p => p.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)))
        {
            var star = pattern.IndexOf('*', StringComparison.Ordinal);
            if (star >= 0 && star != pattern.Length - 1)
            {
                return (null, $"job pattern \"{pattern}\": '*' may only end a pattern (prefix*)");
            }
            if (star < 0)
            {
                exact.Add(pattern);
            }
            else if (pattern.Length == 1)
            {
                return (All, null);
            }
            else
            {
                prefixes.Add(pattern[..^1]);
            }
        }
        if (exact.Count == 0 && prefixes.Count == 0)
        {
            return (null, "no jobs given (list exact names and prefix* patterns, or * for every job)");
        }
        return (new JobScope(exact, [.. prefixes], all: false), null);
    }

    public bool Allows(string job)
    {
        if (IsAll || _exact.Contains(job))
        {
            return true;
        }
        foreach (var prefix in _prefixes)
        {
            if (job.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The union of two scopes (a key configured in several scoped entries).</summary>
    public JobScope Union(JobScope other)
    {
        if (IsAll || other.IsAll)
        {
            return All;
        }
        var exact = new HashSet<string>(_exact, StringComparer.Ordinal);
        exact.UnionWith(other._exact);
        return new JobScope(exact, [.. _prefixes.Concat(other._prefixes).Distinct(StringComparer.Ordinal)], all: false);
    }

    public override string ToString() => IsAll ? "*" : string.Join(", ", _exact.Order(StringComparer.Ordinal).Concat(_prefixes.Select(p => p + "*")));
}
