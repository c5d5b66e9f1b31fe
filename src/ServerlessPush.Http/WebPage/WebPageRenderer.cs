using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using RazorSlices;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Http.WebPage;

/// <summary>
/// The page at <c>/</c>, rendered on the server so it reads without JavaScript. This class decides
/// what is shown (filter, order, page, the admin's delete of the filtered set: <see cref="GroupsPageModel"/>);
/// the HTML is the Razor template <c>GroupsPage.cshtml</c>, which HTML-encodes every value it writes
/// (pushed label names and values, metric names and help are attacker-controlled). There is no inline
/// script or style (the page is served with a strict Content-Security-Policy). Each group is one
/// compact row, a <c>&lt;details&gt;</c> that opens in place without script, as do its families; the
/// small script only adds the delete buttons, live relative times and keyboard shortcuts.
/// </summary>
public static class WebPageRenderer
{
    /// <summary>Most series shown per family; the rest are counted, and are on <c>/metrics</c>.</summary>
    public const int MaxSeriesPerFamily = 500;

    /// <summary>The header the page's script sends with a DELETE (a cross-site page cannot, without a preflight).</summary>
    public const string RequestedByHeader = "X-Requested-By";

    /// <summary>
    /// The templates' encoder: encodes <c>&lt; &gt; &amp; " ' +</c> and controls, keeps other Unicode as is
    /// (readable source, same safety; the default encoder would escape every non-ASCII letter).
    /// </summary>
    public static HtmlEncoder Encoder { get; } = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>Renders the page into <paramref name="output"/> (the response's body writer: nothing page-sized is buffered).</summary>
    public static ValueTask RenderAsync(PipeWriter output, GroupsPageModel model, CancellationToken cancellationToken) =>
        GroupsPage.Create(model).RenderAsync(output, Encoder, cancellationToken);

    /// <summary>The page as one string (tests and measurements; the endpoint streams with <see cref="RenderAsync"/>).</summary>
    public static ValueTask<string> RenderToStringAsync(IReadOnlyList<MetricGroup> groups, WebPageQuery query, DateTimeOffset now, string assetVersion, WebPageSort? sort = null, bool canDeleteSet = false) =>
        GroupsPage.Create(Model(groups, query, now, assetVersion, sort, canDeleteSet)).RenderAsync(Encoder);

    /// <summary>What the page shows of <paramref name="groups"/>: the filter, the order and the page applied, counts over the whole filtered set.</summary>
    /// <param name="groups">Live and stale groups in key order (<see cref="ScrapeService.ListGroupsAsync(CancellationToken)"/>).</param>
    /// <param name="assetVersion">Appended to the static URLs so browsers cache them until they change.</param>
    /// <param name="sort">The order (default: grouping-key order).</param>
    /// <param name="canDeleteSet">The reader has the admin right: offer the delete of the filtered set.</param>
    public static GroupsPageModel Model(IReadOnlyList<MetricGroup> groups, WebPageQuery query, DateTimeOffset now, string assetVersion, WebPageSort? sort = null, bool canDeleteSet = false)
    {
        sort ??= WebPageSort.Default;
        IReadOnlyList<MetricGroup> matching = query.HasFilter ? groups.Where(query.Matches).ToList() : groups;
        var seriesCount = 0L;
        foreach (var group in matching)
        {
            seriesCount += SeriesCount(group);
        }
        var pages = Math.Max(1, (matching.Count + WebPageQuery.PageSize - 1) / WebPageQuery.PageSize);
        var page = Math.Min(query.Page, pages);
        var first = (page - 1) * WebPageQuery.PageSize;
        var shown = sort.Apply(matching, now).Skip(first).Take(WebPageQuery.PageSize).ToList();
        return new GroupsPageModel(
            new PageLayoutModel("ServerlessPush", assetVersion), query, sort, now, groups.Count, matching.Count, seriesCount,
            shown, page, pages, first, canDeleteSet && matching.Count > 0 ? DeleteSet(groups, matching, query) : null);
    }

    /// <summary>
    /// The admin's delete of every group the filter matches (all pages). Whole jobs go through
    /// <c>DELETE /api/v1/groups?job=</c>; a set that holds only some of a job's groups is deleted
    /// group by group (their push URLs), so nothing outside the set is touched.
    /// </summary>
    private static DeleteSetModel DeleteSet(IReadOnlyList<MetricGroup> all, IReadOnlyList<MetricGroup> matching, WebPageQuery query)
    {
        var matchedPerJob = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in matching)
        {
            matchedPerJob[group.Key.Job] = matchedPerJob.GetValueOrDefault(group.Key.Job) + 1;
        }
        var wholeJobs = matching.Count == all.Count || all.Count(g => matchedPerJob.ContainsKey(g.Key.Job)) == matching.Count;
        var jobs = matchedPerJob.Keys.Order(StringComparer.Ordinal).ToList();
        var json = new StringBuilder("{\"urls\":[");
        if (wholeJobs)
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                json.Append(i > 0 ? "," : string.Empty).Append('"').Append("api/v1/groups?job=").Append(UrlEncoder.Default.Encode(jobs[i])).Append('"');
            }
        }
        else
        {
            for (var i = 0; i < matching.Count; i++)
            {
                json.Append(i > 0 ? "," : string.Empty).Append('"').Append(DeleteUrl(matching[i].Key)).Append('"');
            }
        }
        json.Append("]}");
        return new DeleteSetModel(matching.Count, jobs.Count, query.Filter, query.HasFilter, json.ToString());
    }

    /// <summary>Series in a group as the page counts them: one per pushed metric (a histogram is one).</summary>
    public static int SeriesCount(MetricGroup group)
    {
        var n = 0;
        foreach (var family in group.Families)
        {
            n += family.Family.Metric.Count;
        }
        return n;
    }

    /// <summary>The push URL that deletes the group: every label base64url-encoded, so any value fits a path.</summary>
    public static string DeleteUrl(GroupingKey key)
    {
        var sb = new StringBuilder("metrics/job@base64/").Append(Base64Value.Encode(key.Job));
        foreach (var (name, value) in key.Labels)
        {
            if (name != GroupingKey.JobLabel)
            {
                sb.Append('/').Append(name).Append("@base64/").Append(Base64Value.Encode(value));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The reason of the last rejected push, when the store keeps one (the failure-reason work adds
    /// it to <see cref="MetricGroup"/>); null: only its time is known.
    /// </summary>
    internal static string? FailureReason(MetricGroup group) => group.LastFailureReason;

    /// <summary>The group's state, as the page's state column and class name say it.</summary>
    public static string State(MetricGroup group) =>
        group.IsStale ? "stale" : !group.LastPushSuccessful ? "failed" : "ok";

    /// <summary>"just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago", or "in 5 min" for the future.</summary>
    public static string Relative(DateTimeOffset time, DateTimeOffset now)
    {
        var delta = now - time;
        var future = delta < TimeSpan.Zero;
        var span = future ? -delta : delta;
        string amount;
        if (span.TotalSeconds < 1)
        {
            return "just now";
        }
        else if (span.TotalMinutes < 1)
        {
            amount = $"{(int)span.TotalSeconds} s";
        }
        else if (span.TotalHours < 1)
        {
            amount = $"{(int)span.TotalMinutes} min";
        }
        else if (span.TotalDays < 1)
        {
            amount = $"{(int)span.TotalHours} h";
        }
        else
        {
            amount = $"{(long)span.TotalDays} d";
        }
        return future ? "in " + amount : amount + " ago";
    }

    /// <summary>
    /// A sample value for reading: plain digits where .NET's shortest round-trip form has no exponent
    /// (<c>123456789</c>, <c>0.0045</c>), else Go's form as on <c>/metrics</c> (<c>1e+21</c>, <c>+Inf</c>, <c>NaN</c>).
    /// Either way the digits are exact: nothing is rounded for display.
    /// </summary>
    public static string Value(double value)
    {
        if (double.IsFinite(value) && value != 0)
        {
            var plain = value.ToString("R", CultureInfo.InvariantCulture);
            if (!plain.Contains('E', StringComparison.Ordinal))
            {
                return plain;
            }
        }
        return GoFloat.Format(value);
    }

    /// <summary>A time as the <c>datetime</c> attribute wants it: UTC, milliseconds.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A time as shown: UTC, seconds.</summary>
    public static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A count with thousands separators: <c>10,000</c>.</summary>
    public static string Number(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>The series' own labels: those that are not grouping labels (every series carries those), and not an empty instance.</summary>
    public static List<LabelPair> OwnLabels(Metric metric, GroupingKey key) =>
        metric.Label.Where(label => key.Get(label.Name) != label.Value && !(label.Name == GroupingKey.InstanceLabel && label.Value.Length == 0)).ToList();

    public static double SimpleValue(Metric metric) =>
        metric.Gauge?.Value ?? metric.Counter?.Value ?? metric.Untyped?.Value ?? 0;

    public static bool IsNative(Histogram h) =>
        h.HasSchema || h.PositiveSpan.Count > 0 || h.NegativeSpan.Count > 0 || h.HasZeroThreshold;

    public static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Summary => "summary",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        _ => "untyped",
    };
}

/// <summary>The document's title and asset version: what <c>PageLayout.cshtml</c> (head and header of both pages) needs.</summary>
public sealed record PageLayoutModel(string Title, string AssetVersion);

/// <summary>What <c>GroupsPage.cshtml</c> shows: one page of the filtered, ordered groups and the counts of the whole set.</summary>
/// <param name="Total">Groups before the filter.</param>
/// <param name="Matching">Groups the filter matches (all pages).</param>
/// <param name="Series">Series in the matching groups.</param>
/// <param name="Shown">This page's groups, in order.</param>
/// <param name="First">Index of the first group shown within the matching ones.</param>
/// <param name="DeleteSet">The admin's delete of the filtered set; null: not offered.</param>
public sealed record GroupsPageModel(
    PageLayoutModel Layout,
    WebPageQuery Query,
    WebPageSort Sort,
    DateTimeOffset Now,
    int Total,
    int Matching,
    long Series,
    IReadOnlyList<MetricGroup> Shown,
    int Page,
    int Pages,
    int First,
    DeleteSetModel? DeleteSet)
{
    /// <summary>A link to another page or order of the same filter.</summary>
    public string Href(int page, WebPageSort sort)
    {
        var parts = new List<string>();
        if (Query.HasFilter)
        {
            parts.Add("q=" + UrlEncoder.Default.Encode(Query.Filter));
        }
        if (!sort.IsDefault)
        {
            parts.Add("sort=" + sort.ColumnName);
            parts.Add("dir=" + (sort.Descending ? "desc" : "asc"));
        }
        if (page > 1)
        {
            parts.Add("page=" + page.ToString(CultureInfo.InvariantCulture));
        }
        return "./" + (parts.Count > 0 ? "?" + string.Join('&', parts) : string.Empty);
    }
}

/// <param name="UrlsJson">
/// <c>{"urls":[…]}</c> for the page's script: URL-encoded and base64url text only, so it holds no
/// <c>&lt;</c> and cannot close its <c>&lt;script type="application/json"&gt;</c> early; written unencoded
/// (entities are not decoded inside a script element).
/// </param>
public sealed record DeleteSetModel(int Count, int Jobs, string Filter, bool Filtered, string UrlsJson);
