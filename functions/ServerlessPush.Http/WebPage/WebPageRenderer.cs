using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;

namespace ServerlessPush.Http.WebPage;

/// <summary>
/// The HTML of the page at <c>/</c>, rendered on the server so it reads without JavaScript.
/// Every piece of pushed text (label names and values, metric names, help) is attacker-controlled
/// and goes through <see cref="Encode"/>; there is no inline script or style (the page is served
/// with a strict Content-Security-Policy). Each group is one compact row, a <c>&lt;details&gt;</c>
/// that opens in place without script, as do its families; the small script only adds the delete
/// buttons, live relative times and keyboard shortcuts.
/// </summary>
public static class WebPageRenderer
{
    /// <summary>Most series shown per family; the rest are counted, and are on <c>/metrics</c>.</summary>
    public const int MaxSeriesPerFamily = 500;

    /// <summary>The header the page's script sends with a DELETE (a cross-site page cannot, without a preflight).</summary>
    public const string RequestedByHeader = "X-Requested-By";

    // Encodes < > & " ' and controls, keeps other Unicode as is (readable source, same safety).
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Encode(string? text) => Html.Encode(text ?? string.Empty);

    /// <param name="groups">Live and stale groups in key order (<see cref="ScrapeService.ListGroupsAsync(CancellationToken)"/>).</param>
    /// <param name="assetVersion">Appended to the static URLs so browsers cache them until they change.</param>
    /// <param name="sort">The order (default: grouping-key order).</param>
    /// <param name="canDeleteSet">The reader has the admin right: offer the delete of the filtered set.</param>
    public static string Render(IReadOnlyList<MetricGroup> groups, WebPageQuery query, DateTimeOffset now, string assetVersion, WebPageSort? sort = null, bool canDeleteSet = false)
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
        var ordered = sort.Apply(matching, now);
        var shown = ordered.Skip(first).Take(WebPageQuery.PageSize).ToList();
        var links = new PageLinks(query, sort);

        var sb = new StringBuilder(64 * 1024);
        Head(sb, "ServerlessPush", assetVersion);
        sb.Append("<main>\n");

        sb.Append("<form class=\"filter\" method=\"get\" action=\"./\" role=\"search\">\n")
          .Append("<label for=\"q\">Filter</label> ")
          .Append("<input type=\"search\" id=\"q\" name=\"q\" value=\"").Append(Encode(query.Filter))
          .Append("\" placeholder=\"job or label text, e.g. batch or instance=&quot;eu-1&quot;\" maxlength=\"").Append(WebPageQuery.MaxFilterLength).Append("\" autocomplete=\"off\"> ");
        if (!sort.IsDefault)
        {
            sb.Append("<input type=\"hidden\" name=\"sort\" value=\"").Append(sort.ColumnName).Append("\">")
              .Append("<input type=\"hidden\" name=\"dir\" value=\"").Append(sort.Descending ? "desc" : "asc").Append("\">");
        }
        sb.Append("<button type=\"submit\">Filter</button>");
        if (query.HasFilter)
        {
            sb.Append(" <a href=\"./\" class=\"clear\">Clear</a>");
        }
        sb.Append("\n</form>\n");

        sb.Append("<div class=\"bar\">\n<p class=\"counts\" id=\"counts\" data-groups=\"").Append(matching.Count).Append("\" data-series=\"").Append(seriesCount).Append("\">")
          .Append("<strong class=\"group-count\">").Append(Number(matching.Count)).Append("</strong> ").Append(matching.Count == 1 ? "group" : "groups")
          .Append(", <strong class=\"series-count\">").Append(Number(seriesCount)).Append("</strong> series");
        if (query.HasFilter)
        {
            sb.Append(" match <q>").Append(Encode(query.Filter)).Append("</q> (of ").Append(Number(groups.Count)).Append(groups.Count == 1 ? " group)" : " groups)");
        }
        if (pages > 1)
        {
            sb.Append(" · showing ").Append(Number(first + 1)).Append('–').Append(Number(first + shown.Count));
        }
        sb.Append("</p>\n");
        if (canDeleteSet && matching.Count > 0)
        {
            DeleteSet(sb, groups, matching, query);
        }
        Pager(sb, links, page, pages);
        sb.Append("</div>\n");
        sb.Append("<p class=\"status\" id=\"status\" role=\"status\" aria-live=\"polite\"></p>\n");

        if (shown.Count == 0)
        {
            sb.Append("<p class=\"empty\">")
              .Append(query.HasFilter ? "No group matches the filter." : "No groups yet. Push some metrics to <code>/metrics/job/&lt;job&gt;</code>.")
              .Append("</p>\n");
        }
        else
        {
            sb.Append("<div class=\"groups\" role=\"table\" aria-label=\"Groups\">\n<div class=\"columns\" role=\"row\">");
            SortHeader(sb, links, WebPageSortColumn.Job, "Job");
            sb.Append("<span class=\"c-labels\" role=\"columnheader\">Other grouping labels</span>");
            SortHeader(sb, links, WebPageSortColumn.Series, "Series");
            SortHeader(sb, links, WebPageSortColumn.Age, "Last push");
            sb.Append("<span class=\"c-state\" role=\"columnheader\">State</span></div>\n");
            foreach (var group in shown)
            {
                Group(sb, group, now);
            }
            sb.Append("</div>\n");
        }

        Pager(sb, links, page, pages);
        sb.Append("</main>\n<footer>Rendered ").Append(Time(now, now, "rendered")).Append(" · ServerlessPush</footer>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>The document head and the page header, shared with the status page.</summary>
    internal static void Head(StringBuilder sb, string title, string assetVersion)
    {
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<title>").Append(Encode(title)).Append("</title>\n")
          .Append("<link rel=\"icon\" href=\"data:,\">\n")
          .Append("<link rel=\"stylesheet\" href=\"static/serverlesspush.css?v=").Append(Encode(assetVersion)).Append("\">\n")
          .Append("<script src=\"static/serverlesspush.js?v=").Append(Encode(assetVersion)).Append("\" defer></script>\n")
          .Append("</head>\n<body>\n");
        sb.Append("<header>\n<h1><a href=\"./\">ServerlessPush</a></h1>\n<nav><a href=\"./\">Groups</a> <a href=\"status\">Status</a> <a href=\"metrics\">/metrics</a> <a href=\"api/v1/metrics\">JSON</a></nav>\n</header>\n");
    }

    /// <summary>
    /// The admin's delete of every group the filter matches (all pages). Whole jobs go through
    /// <c>DELETE /api/v1/groups?job=</c>; a set that holds only some of a job's groups is deleted
    /// group by group (their push URLs), so nothing outside the set is touched.
    /// </summary>
    private static void DeleteSet(StringBuilder sb, IReadOnlyList<MetricGroup> all, IReadOnlyList<MetricGroup> matching, WebPageQuery query)
    {
        var matchedPerJob = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in matching)
        {
            matchedPerJob[group.Key.Job] = matchedPerJob.GetValueOrDefault(group.Key.Job) + 1;
        }
        var wholeJobs = matching.Count == all.Count || all.Count(g => matchedPerJob.ContainsKey(g.Key.Job)) == matching.Count;
        var jobs = matchedPerJob.Keys.Order(StringComparer.Ordinal).ToList();
        sb.Append("<button type=\"button\" id=\"delete-set\" class=\"delete\" hidden data-count=\"").Append(matching.Count)
          .Append("\" data-jobs=\"").Append(jobs.Count).Append("\" data-filter=\"").Append(Encode(query.Filter)).Append("\">Delete ")
          .Append(query.HasFilter ? "these " : "all ").Append(Number(matching.Count)).Append(matching.Count == 1 ? " group" : " groups").Append("…</button>\n");
        // Data for the script, never run (the CSP allows no inline script; a JSON block is not one).
        sb.Append("<script type=\"application/json\" id=\"delete-set-targets\">");
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
        // URL-encoded and base64url text only: no '<', so the block cannot be closed early.
        sb.Append(json).Append("</script>\n");
    }

    private static void SortHeader(StringBuilder sb, PageLinks links, WebPageSortColumn column, string text)
    {
        var current = links.Sort.Column == column;
        var name = column.ToString().ToLowerInvariant();
        sb.Append("<span class=\"c-").Append(name).Append("\" role=\"columnheader\"")
          .Append(current ? (links.Sort.Descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : string.Empty).Append('>')
          .Append("<a class=\"sort").Append(current ? " current" : string.Empty).Append("\" data-sort=\"").Append(name).Append("\" href=\"")
          .Append(Encode(links.Href(1, links.Sort.Toggle(column)))).Append("\">").Append(Encode(text))
          .Append(current ? (links.Sort.Descending ? " ▼" : " ▲") : string.Empty).Append("</a></span>");
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

    /// <summary>
    /// One group: a compact row (a <c>&lt;summary&gt;</c>, so it opens without script) with job, the
    /// other grouping labels, series, last push and state; opened, the times, the delete and the families.
    /// </summary>
    private static void Group(StringBuilder sb, MetricGroup group, DateTimeOffset now)
    {
        var series = SeriesCount(group);
        var state = State(group);
        sb.Append("<details class=\"group s-").Append(state).Append("\" role=\"rowgroup\" data-series=\"").Append(series)
          .Append("\" data-job=\"").Append(Encode(group.Key.Job)).Append("\">\n<summary role=\"row\">");
        sb.Append("<span class=\"c-job\" role=\"cell\"><span class=\"lv\">").Append(Encode(group.Key.Job)).Append("</span></span>");
        sb.Append("<span class=\"c-labels labels\" role=\"cell\">");
        foreach (var (name, value) in group.Key.Labels)
        {
            if (name == GroupingKey.JobLabel)
            {
                continue;
            }
            sb.Append("<span class=\"label\"><span class=\"ln\">").Append(Encode(name)).Append("</span>=<span class=\"lv\">\"")
              .Append(Encode(value)).Append("\"</span></span> ");
        }
        sb.Append("</span>");
        sb.Append("<span class=\"c-series num\" role=\"cell\">").Append(Number(series)).Append("</span>");
        sb.Append("<span class=\"c-age\" role=\"cell\">").Append(group.LastPushTime is { } pushed ? Age(pushed, now, "push") : "never").Append("</span>");
        sb.Append("<span class=\"c-state\" role=\"cell\">");
        StateCell(sb, group, now);
        sb.Append("</span></summary>\n");

        sb.Append("<div class=\"detail\">\n<dl class=\"times\">\n");
        sb.Append("<div><dt>Labels</dt><dd class=\"labels\">");
        foreach (var (name, value) in group.Key.Labels)
        {
            sb.Append("<span class=\"label\"><span class=\"ln\">").Append(Encode(name)).Append("</span>=<span class=\"lv\">\"")
              .Append(Encode(value)).Append("\"</span></span> ");
        }
        sb.Append("</dd></div>\n");
        sb.Append("<div><dt>Last push</dt><dd>").Append(group.LastPushTime is { } last ? Time(last, now, "push") : "never").Append("</dd></div>\n");
        var failed = !group.LastPushSuccessful;
        sb.Append("<div").Append(failed ? " class=\"failed\"" : string.Empty).Append("><dt>Last failure</dt><dd>")
          .Append(group.LastFailureTime is { } failure ? Time(failure, now, "failure") : "never");
        if (failed)
        {
            sb.Append(" <strong class=\"badge\">last push failed</strong>");
            if (group.LastFailureReason is { } reason)
            {
                sb.Append(" <q class=\"reason\">").Append(Encode(reason)).Append("</q>");
            }
        }
        sb.Append("</dd></div>\n");
        if (group.ExpiresAt is { } expires)
        {
            sb.Append("<div><dt>").Append(group.IsStale ? "Expired" : "Expires").Append("</dt><dd>").Append(Time(expires, now, "expiry")).Append("</dd></div>\n");
        }
        if (group.StaleUntil is { } until)
        {
            sb.Append("<div class=\"stale\"><dt>Deleted</dt><dd>").Append(Time(until, now, "stale-until"))
              .Append(" (stale: listed, no longer scraped except its push_time_seconds)</dd></div>\n");
        }
        sb.Append("<div><dt>Series</dt><dd>").Append(Number(series)).Append(" in ").Append(group.Families.Count)
          .Append(group.Families.Count == 1 ? " family" : " families").Append("</dd></div>\n");
        sb.Append("</dl>\n");
        sb.Append("<button type=\"button\" class=\"delete\" hidden data-url=\"").Append(Encode(DeleteUrl(group.Key)))
          .Append("\" data-group=\"").Append(Encode(group.Key.ToString())).Append("\">Delete group</button>\n");

        if (group.Families.Count > 0)
        {
            sb.Append("<div class=\"families\">\n");
            foreach (var family in group.Families.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                Family(sb, family, group.Key, now);
            }
            sb.Append("</div>\n");
        }
        sb.Append("</div>\n</details>\n");
    }

    private static void StateCell(StringBuilder sb, MetricGroup group, DateTimeOffset now)
    {
        if (group.StaleUntil is { } until)
        {
            sb.Append("<span class=\"state stale\">stale</span> <span class=\"note\">deleted ").Append(Age(until, now, "stale-until")).Append("</span>");
            return;
        }
        if (!group.LastPushSuccessful)
        {
            sb.Append("<span class=\"state failed\">last push failed</span>");
            if (group.LastFailureTime is { } failure)
            {
                sb.Append(" <span class=\"note\">").Append(Age(failure, now, "failure")).Append("</span>");
            }
            if (FailureReason(group) is { } reason)
            {
                sb.Append(" <span class=\"reason\" title=\"").Append(Encode(reason)).Append("\">").Append(Encode(reason)).Append("</span>");
            }
            return;
        }
        sb.Append("<span class=\"state ok\">ok</span>");
        if (group.ExpiresAt is { } expires)
        {
            sb.Append(" <span class=\"note\">expires ").Append(Age(expires, now, "expiry")).Append("</span>");
        }
    }

    /// <summary>A relative time only ("5 min ago", "in 3 h"), the absolute one in its title; the script keeps it current.</summary>
    private static string Age(DateTimeOffset time, DateTimeOffset now, string kind)
    {
        var iso = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var shown = time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return $"<time class=\"{kind}\" datetime=\"{iso}\" title=\"{shown}\"><span class=\"rel\">{Relative(time, now)}</span></time>";
    }

    private static void Family(StringBuilder sb, PushedFamily pushed, GroupingKey key, DateTimeOffset now)
    {
        var family = pushed.Family;
        var type = TypeName(family.Type);
        sb.Append("<details class=\"family\" data-family=\"").Append(Encode(family.Name)).Append("\">\n<summary>")
          .Append("<code class=\"fname\">").Append(Encode(family.Name)).Append("</code> ")
          .Append("<span class=\"ftype t-").Append(type).Append("\">").Append(type).Append("</span> ")
          .Append("<span class=\"fcount\">").Append(Number(family.Metric.Count)).Append(" series").Append("</span>");
        if (family.HasHelp && family.Help.Length > 0)
        {
            sb.Append(" <span class=\"fhelp\">").Append(Encode(family.Help)).Append("</span>");
        }
        sb.Append(" <span class=\"fpushed\">pushed ").Append(Time(pushed.PushedAt, now, "family")).Append("</span>");
        sb.Append("</summary>\n");

        var shown = Math.Min(family.Metric.Count, MaxSeriesPerFamily);
        switch (family.Type)
        {
            case MetricType.Histogram or MetricType.GaugeHistogram:
            case MetricType.Summary:
                for (var i = 0; i < shown; i++)
                {
                    Complex(sb, family, family.Metric[i], key);
                }
                break;
            default:
                var timestamps = family.Metric.Take(shown).Any(m => m.HasTimestampMs);
                sb.Append("<table class=\"series\">\n<thead><tr><th scope=\"col\">Labels</th><th scope=\"col\" class=\"num\">Value</th>")
                  .Append(timestamps ? "<th scope=\"col\">Timestamp</th>" : string.Empty).Append("</tr></thead>\n<tbody>\n");
                for (var i = 0; i < shown; i++)
                {
                    var metric = family.Metric[i];
                    sb.Append("<tr><td>");
                    SeriesLabels(sb, metric, key);
                    sb.Append("</td><td class=\"num value\">").Append(Encode(Value(SimpleValue(metric)))).Append("</td>");
                    if (timestamps)
                    {
                        sb.Append("<td>");
                        Timestamp(sb, metric, now);
                        sb.Append("</td>");
                    }
                    sb.Append("</tr>\n");
                }
                sb.Append("</tbody>\n</table>\n");
                break;
        }
        if (family.Metric.Count > shown)
        {
            sb.Append("<p class=\"more\">… and ").Append(Number(family.Metric.Count - shown)).Append(" more series (see <a href=\"metrics\">/metrics</a>).</p>\n");
        }
        sb.Append("</details>\n");
    }

    /// <summary>A histogram or summary series: its labels, count and sum, then buckets or quantiles as a table.</summary>
    private static void Complex(StringBuilder sb, MetricFamily family, Metric metric, GroupingKey key)
    {
        sb.Append("<div class=\"complex\">\n<p class=\"series-head\">");
        SeriesLabels(sb, metric, key);
        if (family.Type == MetricType.Summary)
        {
            var summary = metric.Summary ?? new Summary();
            sb.Append(" <span class=\"stat\">count <span class=\"value\">").Append(summary.SampleCount.ToString(CultureInfo.InvariantCulture))
              .Append("</span></span> <span class=\"stat\">sum <span class=\"value\">").Append(Encode(Value(summary.SampleSum))).Append("</span></span></p>\n");
            if (summary.Quantile.Count > 0)
            {
                sb.Append("<table class=\"quantiles\">\n<thead><tr><th scope=\"col\" class=\"num\">Quantile</th><th scope=\"col\" class=\"num\">Value</th></tr></thead>\n<tbody>\n");
                foreach (var q in summary.Quantile)
                {
                    sb.Append("<tr><td class=\"num\">").Append(Encode(Value(q.Quantile_))).Append("</td><td class=\"num value\">")
                      .Append(Encode(Value(q.Value))).Append("</td></tr>\n");
                }
                sb.Append("</tbody>\n</table>\n");
            }
        }
        else
        {
            var h = metric.Histogram ?? new Histogram();
            var count = h.HasSampleCountFloat ? h.SampleCountFloat : h.SampleCount;
            sb.Append(" <span class=\"stat\">count <span class=\"value\">").Append(Encode(Value(count)))
              .Append("</span></span> <span class=\"stat\">sum <span class=\"value\">").Append(Encode(Value(h.SampleSum))).Append("</span></span>");
            if (count > 0 && !double.IsNaN(h.SampleSum))
            {
                sb.Append(" <span class=\"stat\">mean <span class=\"value\">").Append(Encode((h.SampleSum / count).ToString("G6", CultureInfo.InvariantCulture))).Append("</span></span>");
            }
            sb.Append("</p>\n");
            if (h.Bucket.Count > 0)
            {
                sb.Append("<table class=\"buckets\">\n<thead><tr><th scope=\"col\" class=\"num\">le</th><th scope=\"col\" class=\"num\">Cumulative</th><th scope=\"col\" class=\"num\">In bucket</th><th scope=\"col\">Share</th></tr></thead>\n<tbody>\n");
                var previous = 0.0;
                var sawInf = false;
                foreach (var bucket in h.Bucket)
                {
                    var cumulative = bucket.HasCumulativeCountFloat ? bucket.CumulativeCountFloat : bucket.CumulativeCount;
                    sawInf |= double.IsPositiveInfinity(bucket.UpperBound);
                    BucketRow(sb, Value(bucket.UpperBound), cumulative, cumulative - previous, count);
                    previous = cumulative;
                }
                if (!sawInf)
                {
                    BucketRow(sb, "+Inf", count, count - previous, count);
                }
                sb.Append("</tbody>\n</table>\n");
            }
            if (IsNative(h))
            {
                var positive = h.PositiveSpan.Sum(s => (long)s.Length);
                var negative = h.NegativeSpan.Sum(s => (long)s.Length);
                sb.Append("<p class=\"native\">Native histogram: schema ").Append(h.Schema.ToString(CultureInfo.InvariantCulture))
                  .Append(", zero threshold ").Append(Encode(Value(h.ZeroThreshold)))
                  .Append(", zero count ").Append(Encode(Value(h.HasZeroCountFloat ? h.ZeroCountFloat : h.ZeroCount)))
                  .Append(", ").Append(positive).Append(" positive and ").Append(negative).Append(" negative buckets.</p>\n");
                NativeHistogramChart.Append(sb, h);
            }
        }
        sb.Append("</div>\n");
    }

    private static void BucketRow(StringBuilder sb, string le, double cumulative, double inBucket, double total)
    {
        sb.Append("<tr><td class=\"num\">").Append(Encode(le)).Append("</td><td class=\"num value\">").Append(Encode(Value(cumulative)))
          .Append("</td><td class=\"num\">").Append(Encode(Value(inBucket))).Append("</td><td>");
        if (total > 0 && inBucket >= 0 && double.IsFinite(inBucket))
        {
            // <meter> draws the share without an inline style (the CSP allows none).
            var share = Math.Min(1, inBucket / total);
            sb.Append("<meter min=\"0\" max=\"1\" value=\"").Append(share.ToString("0.####", CultureInfo.InvariantCulture)).Append("\">")
              .Append((share * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append("%</meter> ")
              .Append((share * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append('%');
        }
        sb.Append("</td></tr>\n");
    }

    private static bool IsNative(Histogram h) =>
        h.HasSchema || h.PositiveSpan.Count > 0 || h.NegativeSpan.Count > 0 || h.HasZeroThreshold;

    /// <summary>The series' own labels: those that are not grouping labels (every series carries those), and not an empty instance.</summary>
    private static void SeriesLabels(StringBuilder sb, Metric metric, GroupingKey key)
    {
        var any = false;
        foreach (var label in metric.Label)
        {
            if (key.Get(label.Name) == label.Value || (label.Name == GroupingKey.InstanceLabel && label.Value.Length == 0))
            {
                continue;
            }
            sb.Append(any ? " " : "<span class=\"series-labels\">").Append("<span class=\"label\"><span class=\"ln\">").Append(Encode(label.Name))
              .Append("</span>=<span class=\"lv\">\"").Append(Encode(label.Value)).Append("\"</span></span>");
            any = true;
        }
        sb.Append(any ? "</span>" : "<span class=\"no-labels\">(grouping labels only)</span>");
    }

    private static void Timestamp(StringBuilder sb, Metric metric, DateTimeOffset now)
    {
        if (metric.HasTimestampMs)
        {
            sb.Append(Time(DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(metric.TimestampMs, -62135596800000L, 253402300799999L)), now, "sample"));
        }
    }

    private static double SimpleValue(Metric metric) =>
        metric.Gauge?.Value ?? metric.Counter?.Value ?? metric.Untyped?.Value ?? 0;

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Summary => "summary",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        _ => "untyped",
    };

    /// <summary>A time as "5 min ago" with the absolute UTC time beside it; the script keeps the relative part current.</summary>
    private static string Time(DateTimeOffset time, DateTimeOffset now, string kind)
    {
        var iso = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var shown = time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return $"<time class=\"{kind}\" datetime=\"{iso}\" title=\"{shown}\"><span class=\"rel\">{Relative(time, now)}</span> <span class=\"abs\">({shown})</span></time>";
    }

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

    private static void Pager(StringBuilder sb, PageLinks links, int page, int pages)
    {
        if (pages <= 1)
        {
            return;
        }
        sb.Append("<nav class=\"pager\" aria-label=\"Pages\">");
        Link(sb, links, 1, "« First", page > 1, "first");
        Link(sb, links, page - 1, "‹ Previous", page > 1, "prev");
        sb.Append(" <span class=\"page-of\">Page ").Append(Number(page)).Append(" of ").Append(Number(pages)).Append("</span> ");
        Link(sb, links, page + 1, "Next ›", page < pages, "next");
        Link(sb, links, pages, "Last »", page < pages, "last");
        sb.Append("</nav>\n");
    }

    private static void Link(StringBuilder sb, PageLinks links, int page, string text, bool enabled, string rel)
    {
        if (!enabled)
        {
            sb.Append("<span class=\"disabled\">").Append(Encode(text)).Append("</span> ");
            return;
        }
        sb.Append("<a class=\"").Append(rel).Append("\" href=\"").Append(Encode(links.Href(page, links.Sort))).Append("\"")
          .Append(rel is "prev" or "next" ? $" rel=\"{rel}\"" : string.Empty).Append('>').Append(Encode(text)).Append("</a> ");
    }

    /// <summary>Links to other pages or orders of the same filter.</summary>
    private sealed record PageLinks(WebPageQuery Query, WebPageSort Sort)
    {
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

    private static string Number(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
