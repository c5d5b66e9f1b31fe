namespace ServerlessPush.Core.Grouping;

/// <summary>What the reference's router (Go ServeMux cleaning, then httprouter) makes of a push URL.</summary>
public enum PushPathKind
{
    /// <summary>A push or delete route: job segment and label string found.</summary>
    Route,
    /// <summary>Not a push route: 404.</summary>
    NotFound,
    /// <summary>Redirect to <see cref="PushPathMatch.Location"/> with <see cref="PushPathMatch.Status"/>.</summary>
    Redirect,
}

public readonly record struct PushPathMatch(PushPathKind Kind, string JobSegment = "", bool JobIsBase64 = false, string Labels = "", int Status = 0, string Location = "");

/// <summary>
/// Reproduces the reference's routing decisions for <c>/metrics/job…</c> paths, which Kestrel and the
/// Functions host would otherwise decide differently: <c>%2F</c> splits segments, <c>//</c> and
/// dot segments get a 301 to the cleaned path, <c>/metrics/job/</c> a 307.
/// </summary>
public static class PushPath
{
    private const string JobPrefix = "/metrics/job/";
    private const string Base64JobPrefix = "/metrics/job@base64/";

    /// <param name="decodedPath">The fully percent-decoded request path (Go's URL.Path), without the query.</param>
    public static PushPathMatch Match(string decodedPath)
    {
        var cleaned = CleanPath(decodedPath);
        if (cleaned != decodedPath)
        {
            return new PushPathMatch(PushPathKind.Redirect, Status: 301, Location: cleaned);
        }
        if (decodedPath == JobPrefix)
        {
            return new PushPathMatch(PushPathKind.Redirect, Status: 307, Location: JobPrefix.TrimEnd('/'));
        }

        bool base64;
        string rest;
        if (decodedPath.StartsWith(Base64JobPrefix, StringComparison.Ordinal))
        {
            base64 = true;
            rest = decodedPath[Base64JobPrefix.Length..];
        }
        else if (decodedPath.StartsWith(JobPrefix, StringComparison.Ordinal))
        {
            base64 = false;
            rest = decodedPath[JobPrefix.Length..];
        }
        else
        {
            return new PushPathMatch(PushPathKind.NotFound);
        }

        var slash = rest.IndexOf('/');
        var job = slash < 0 ? rest : rest[..slash];
        var labels = slash < 0 ? string.Empty : rest[slash..];
        return job.Length == 0
            ? new PushPathMatch(PushPathKind.NotFound)
            : new PushPathMatch(PushPathKind.Route, job, base64, labels);
    }

    /// <summary>Go's net/http cleanPath: path.Clean, keeping a trailing slash.</summary>
    public static string CleanPath(string p)
    {
        if (p.Length == 0)
        {
            return "/";
        }
        if (p[0] != '/')
        {
            p = "/" + p;
        }
        var segments = new List<string>();
        foreach (var segment in p.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
                continue;
            }
            segments.Add(segment);
        }
        var cleaned = "/" + string.Join('/', segments);
        if (p.EndsWith('/') && cleaned != "/")
        {
            cleaned += "/";
        }
        return cleaned;
    }
}
