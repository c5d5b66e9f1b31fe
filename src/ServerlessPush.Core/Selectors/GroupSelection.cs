using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Selectors;

/// <summary>
/// Which groups a request sees: those matching any of its <c>match[]</c> selectors (OR, as in
/// Prometheus; no selector = every group), and only within the key's <see cref="JobScope"/>.
/// </summary>
public sealed class GroupSelection
{
    /// <summary>At most this many <c>match[]</c> per request.</summary>
    public const int MaxSelectors = 64;

    private GroupSelection(IReadOnlyList<GroupSelector> selectors, JobScope scope)
    {
        Selectors = selectors;
        Scope = scope;
    }

    /// <summary>Every group.</summary>
    public static GroupSelection Everything { get; } = new([], JobScope.All);

    public IReadOnlyList<GroupSelector> Selectors { get; }

    public JobScope Scope { get; }

    /// <summary>True when nothing narrows the selection.</summary>
    public bool IsEverything => Selectors.Count == 0 && Scope.IsAll;

    /// <summary>
    /// The jobs that hold every group this selection can match, when that is a finite list (each
    /// selector has a <c>job="…"</c>, or the scope lists exact jobs only); null when any job may match.
    /// The store reads those jobs' key ranges instead of every group.
    /// </summary>
    public IReadOnlySet<string>? ExactJobs
    {
        get
        {
            HashSet<string>? fromSelectors = null;
            if (Selectors.Count > 0 && Selectors.All(s => s.ExactJob is not null))
            {
                fromSelectors = new HashSet<string>(Selectors.Select(s => s.ExactJob!), StringComparer.Ordinal);
            }
            var fromScope = Scope.ExactJobs;
            if (fromSelectors is null)
            {
                return fromScope;
            }
            if (fromScope is not null)
            {
                fromSelectors.IntersectWith(fromScope);
            }
            fromSelectors.RemoveWhere(j => !Scope.Allows(j));
            return fromSelectors;
        }
    }

    /// <summary>Parses the request's <c>match[]</c> values within a scope, or gives the 400 reason.</summary>
    public static (GroupSelection? Selection, string? Error) Parse(IReadOnlyCollection<string?> matches, JobScope scope)
    {
        if (matches.Count > MaxSelectors)
        {
            return (null, $"at most {MaxSelectors} match[] selectors per request, got {matches.Count}");
        }
        var selectors = new List<GroupSelector>();
        foreach (var text in matches)
        {
            var (selector, error) = SelectorParser.Parse(text ?? string.Empty);
            if (error is not null)
            {
                return (null, $"invalid match[] selector {text}: {error}");
            }
            selectors.Add(selector!);
        }
        return (new GroupSelection(selectors, scope), null);
    }

    public static GroupSelection ForScope(JobScope scope) => scope.IsAll ? Everything : new([], scope);

    /// <summary>Every group of one job (<c>?job=</c>), within the scope.</summary>
    public static GroupSelection ForJob(string job, JobScope scope) =>
        new([new GroupSelector([LabelMatcher.Create(GroupingKey.JobLabel, MatchOperator.Equal, job).Matcher!])], scope);

    public bool Matches(GroupingKey key)
    {
        if (!Scope.Allows(key.Job))
        {
            return false;
        }
        if (Selectors.Count == 0)
        {
            return true;
        }
        foreach (var selector in Selectors)
        {
            if (selector.Matches(key))
            {
                return true;
            }
        }
        return false;
    }
}
