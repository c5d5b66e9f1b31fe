using System.Globalization;
using System.Text;
using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Http.WebPage;

/// <summary>What the status page shows: the build, the settings that change behaviour, and whether storage answers.</summary>
public sealed record StatusPageModel(
    string Version,
    string Runtime,
    DateTimeOffset Started,
    GatewayOptions Gateway,
    string Access,
    string TableName,
    string StorageEndpoint,
    StorageHealth Storage);

/// <summary>The outcome of one storage check: answered (in how long), or why not.</summary>
public sealed record StorageHealth(bool Available, TimeSpan Took, string? Error);

/// <summary>
/// The HTML of <c>/status</c> (the JSON stays at <c>/api/v1/status</c>). Every value goes through
/// <see cref="WebPageRenderer.Encode"/>; no secret is ever shown (keys are counted, the storage
/// connection string is named, not printed).
/// </summary>
public static class StatusPageRenderer
{
    public static string Render(StatusPageModel model, DateTimeOffset now, string assetVersion)
    {
        var sb = new StringBuilder(8 * 1024);
        WebPageRenderer.Head(sb, "ServerlessPush status", assetVersion);
        sb.Append("<main class=\"status-page\">\n");

        var health = model.Storage;
        sb.Append("<section id=\"storage\" class=\"card ").Append(health.Available ? "healthy" : "unhealthy").Append("\">\n<h2>Storage</h2>\n<dl class=\"settings\">\n");
        Row(sb, "Health", health.Available
            ? $"answers ({health.Took.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms)"
            : $"unavailable after {health.Took.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms: {health.Error}", health.Available ? "ok" : "error");
        Row(sb, "Table", model.TableName);
        Row(sb, "Endpoint", model.StorageEndpoint);
        sb.Append("</dl>\n</section>\n");

        sb.Append("<section id=\"build\" class=\"card\">\n<h2>Build</h2>\n<dl class=\"settings\">\n");
        Row(sb, "Version", model.Version);
        Row(sb, "Runtime", model.Runtime);
        Row(sb, "Started", $"{model.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)} ({WebPageRenderer.Relative(model.Started, now)})");
        sb.Append("</dl>\n</section>\n");

        var g = model.Gateway;
        sb.Append("<section id=\"settings\" class=\"card\">\n<h2>Settings</h2>\n<dl class=\"settings\">\n");
        Row(sb, "Access", model.Access);
        Row(sb, "Default TTL (Gateway:GroupTtl)", g.GroupTtl is { } ttl ? ttl.ToString("c", CultureInfo.InvariantCulture) : "none: groups never expire");
        Row(sb, "Longest TTL a push may ask for", g.MaxGroupTtl.ToString("c", CultureInfo.InvariantCulture));
        Row(sb, "Expiry sweep (NCRONTAB, UTC)", g.Expiry.Schedule);
        Row(sb, "push_expiry_time_seconds", g.Expiry.ExposeGauge ? "exposed" : "not exposed");
        Row(sb, "Stale groups", g.Expiry.Stale.Count == 0
            ? "none: every group is deleted at its expiry"
            : string.Join("; ", g.Expiry.Stale.Select(r => $"{r.Jobs}: kept {r.KeepFor.ToString("c", CultureInfo.InvariantCulture)} after expiry")));
        Row(sb, "OpenMetrics scrapes", g.Scrape.OpenMetrics ? "answered when preferred" : "off (text 0.0.4 or protobuf)");
        Row(sb, "Largest body (sent / decoded)", $"{g.MaxBodyBytes.ToString("#,0", CultureInfo.InvariantCulture)} / {g.MaxDecompressedBytes.ToString("#,0", CultureInfo.InvariantCulture)} bytes");
        Row(sb, "Push limits", string.Create(CultureInfo.InvariantCulture,
            $"{g.Limits.MaxSeriesPerPush:#,0} series, {g.Limits.MaxFamiliesPerPush:#,0} families, {g.Limits.MaxGroupingLabels} grouping labels, {g.Limits.MaxLabelsPerSeries} labels per series"));
        Row(sb, "Request deadline (bulk)", $"{g.RequestDeadline.ToString("c", CultureInfo.InvariantCulture)} ({g.EffectiveBulkDeadline.ToString("c", CultureInfo.InvariantCulture)})");
        Row(sb, "Storage calls in flight per request", g.MaxStorageCallsPerRequest.ToString(CultureInfo.InvariantCulture));
        sb.Append("</dl>\n<p class=\"note\">As JSON, as the Pushgateway answers it: <a href=\"api/v1/status\">/api/v1/status</a>.</p>\n</section>\n");

        sb.Append("</main>\n<footer>Checked ").Append(WebPageRenderer.Encode(now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)))
          .Append(" · ServerlessPush</footer>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, string value, string? cssClass = null)
    {
        sb.Append("<div><dt>").Append(WebPageRenderer.Encode(name)).Append("</dt><dd");
        if (cssClass is not null)
        {
            sb.Append(" class=\"").Append(cssClass).Append('"');
        }
        sb.Append('>').Append(WebPageRenderer.Encode(value)).Append("</dd></div>\n");
    }
}
