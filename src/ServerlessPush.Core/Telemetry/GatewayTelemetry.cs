using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ServerlessPush.Core.Telemetry;

/// <summary>
/// The gateway's own metrics and spans: one <see cref="Meter"/> and one <see cref="ActivitySource"/>,
/// both named <see cref="Name"/>, exported by OpenTelemetry (docs/operations.md). Names follow the
/// reference's <c>pushgateway_http_*</c> where they mean the same, <c>serverlesspush_*</c> otherwise.
/// Every value is per instance: they go to the telemetry backend, never into <c>/metrics</c>.
/// </summary>
public static class GatewayTelemetry
{
    public const string Name = "ServerlessPush";

    public static readonly Meter Meter = new(Name, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly ActivitySource ActivitySource = new(Name, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Every request, scrapes included (the reference counts scrapes elsewhere): tags code, handler, method (lower case).</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "pushgateway_http_requests_total", description: "HTTP requests answered by this instance, by status code, handler and method.");

    /// <summary>PUT, POST and DELETE of a group, from request to answer: tag method.</summary>
    public static readonly Histogram<double> PushDuration = Meter.CreateHistogram<double>(
        "pushgateway_http_push_duration_seconds", "s", "Time to answer a push or delete of a group.");

    /// <summary>The push body as sent (before decompression): tag method. The reference measures the approximate request instead.</summary>
    public static readonly Histogram<long> PushSize = Meter.CreateHistogram<long>(
        "pushgateway_http_push_size_bytes", "By", "Size of push bodies as sent.");

    public static readonly Histogram<long> PushSeries = Meter.CreateHistogram<long>(
        "serverlesspush_push_series", "{series}", "Series in each accepted push.");

    public static readonly Histogram<long> PushFamilies = Meter.CreateHistogram<long>(
        "serverlesspush_push_families", "{family}", "Metric families in each accepted push.");

    public static readonly Histogram<double> ScrapeDuration = Meter.CreateHistogram<double>(
        "serverlesspush_scrape_duration_seconds", "s", "Time to answer GET /metrics, reading storage included.");

    /// <summary>The scrape answer as sent (after gzip).</summary>
    public static readonly Histogram<long> ScrapeSize = Meter.CreateHistogram<long>(
        "serverlesspush_scrape_size_bytes", "By", "Size of GET /metrics answers as sent.");

    /// <summary>Tags reason (<see cref="RejectionReason"/>, lower case), handler, code.</summary>
    public static readonly Counter<long> Rejections = Meter.CreateCounter<long>(
        "serverlesspush_rejections_total", description: "Requests refused, by kind of reason.");

    /// <summary>Each try that left for storage (retries included): tags operation, code (0 = no response).</summary>
    public static readonly Counter<long> StorageRequests = Meter.CreateCounter<long>(
        "serverlesspush_storage_requests_total", description: "Table Storage requests, retries included.");

    public static readonly Counter<long> StorageRetries = Meter.CreateCounter<long>(
        "serverlesspush_storage_retries_total", description: "Table Storage requests that were a retry of an earlier try.");

    /// <summary>Answers 429 or 503 from storage: it asks the gateway to slow down.</summary>
    public static readonly Counter<long> StorageThrottles = Meter.CreateCounter<long>(
        "serverlesspush_storage_throttles_total", description: "Table Storage answers 429 or 503.");

    public static readonly Histogram<double> StorageDuration = Meter.CreateHistogram<double>(
        "serverlesspush_storage_request_duration_seconds", "s", "Time of each Table Storage try.");

    public static readonly Counter<long> SweepRuns = Meter.CreateCounter<long>(
        "serverlesspush_sweep_runs_total", description: "Expiry sweeps run by this instance.");

    public static readonly Counter<long> SweepDue = Meter.CreateCounter<long>(
        "serverlesspush_sweep_due_total", description: "Due expiry index entries the sweeps looked at.");

    public static readonly Counter<long> SweepDeleted = Meter.CreateCounter<long>(
        "serverlesspush_sweep_deleted_total", description: "Expired groups the sweeps deleted.");

    private static long _scrapeGroups;
    private static long _scrapeSeries;

    static GatewayTelemetry()
    {
        Meter.CreateObservableGauge("serverlesspush_scrape_view_groups", () => Interlocked.Read(ref _scrapeGroups), "{group}",
            "Live groups in the last scrape this instance answered.");
        Meter.CreateObservableGauge("serverlesspush_scrape_view_series", () => Interlocked.Read(ref _scrapeSeries), "{series}",
            "Series in the last scrape this instance answered.");
    }

    /// <summary>What the last scrape held, for the two scrape-view gauges.</summary>
    public static void RecordScrapeView(long groups, long series)
    {
        Interlocked.Exchange(ref _scrapeGroups, groups);
        Interlocked.Exchange(ref _scrapeSeries, series);
    }

    public static string Tag(RejectionReason reason) => reason switch
    {
        RejectionReason.Parse => "parse",
        RejectionReason.Consistency => "consistency",
        RejectionReason.Limits => "limits",
        RejectionReason.Access => "access",
        RejectionReason.NotFound => "not_found",
        RejectionReason.Method => "method",
        _ => "unavailable",
    };
}
