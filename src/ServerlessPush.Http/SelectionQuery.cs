using Microsoft.AspNetCore.Http;
using ServerlessPush.Core.Selectors;

namespace ServerlessPush.Http;

/// <summary>The groups a read or delete request asks for: its <c>match[]</c> parameters within the key's jobs.</summary>
public static class SelectionQuery
{
    public const string MatchParameter = "match[]";

    /// <summary>The selection, or the 400 reason (a selector that does not parse).</summary>
    public static (GroupSelection? Selection, string? Error) Read(HttpRequest request, JobScope scope)
    {
        var matches = request.Query[MatchParameter];
        return matches.Count == 0 ? (GroupSelection.ForScope(scope), null) : GroupSelection.Parse(matches, scope);
    }
}
