namespace ServerlessPush.Core.Gateway;

/// <summary>Gateway behaviour and limits. Configuration section <c>Gateway</c> (app settings <c>Gateway__…</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted, as sent (413 above). Below the Functions worker's own 30,000,000-byte cut-off.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest body after gzip or snappy decoding (413 above); a compression bomb stops here, not in memory.</summary>
    public long MaxDecompressedBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>How long a group lives after its last push unless the push says otherwise; null (empty) = for ever, as in the Pushgateway.</summary>
    public TimeSpan? GroupTtl { get; set; }

    /// <summary>The longest TTL a push may ask for with the <c>X-ServerlessPush-TTL</c> header (400 above).</summary>
    public TimeSpan MaxGroupTtl { get; set; } = TimeSpan.FromDays(31);

    public const int DefaultMaxStorageCallsPerRequest = 16;

    /// <summary>
    /// How long a request's storage work may take, retries included (503 with Retry-After after it).
    /// Half of Prometheus's default 10 s scrape timeout, so a scrape of a gateway whose storage hangs
    /// fails as a 503 the scraper reports, not as its own timeout. A push's deadline starts once its body is read.
    /// </summary>
    public TimeSpan RequestDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The Retry-After of every 503 (storage down, throttling, past the deadline), in whole seconds:
    /// how long a client waits before it pushes again. Short, since pushes are retried by the job, and
    /// storage faults are mostly brief.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of the admin wipe and the delete by job, which touch every group they find (never shorter than <see cref="RequestDeadline"/>).</summary>
    public TimeSpan BulkRequestDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The deadline of a bulk operation: the bulk deadline, or the request deadline if that is longer.</summary>
    public TimeSpan EffectiveBulkDeadline => BulkRequestDeadline > RequestDeadline ? BulkRequestDeadline : RequestDeadline;

    /// <summary>Storage calls one request has in flight at once, however it fans out (index registrations and checks, sibling reads, bulk deletes).</summary>
    public int MaxStorageCallsPerRequest { get; set; } = DefaultMaxStorageCallsPerRequest;

    public ExpiryOptions Expiry { get; set; } = new();

    /// <summary>
    /// UTF-8 metric and label names, as Pushgateway 1.11's <c>--push.enable-utf8-names</c>: quoted
    /// names in text bodies, any UTF-8 in protobuf bodies, <c>U__</c> path label names decoded, and
    /// the scrape's <c>escaping=</c> honoured. Off, names follow the legacy rules exactly as before.
    /// </summary>
    public bool EnableUtf8Names { get; set; }

    /// <summary>What <c>GET /metrics</c> may answer (section <c>Gateway:Scrape</c>).</summary>
    public ScrapeOptions Scrape { get; set; } = new();

    /// <summary>Shape limits of one push (section <c>Gateway:Limits</c>); a push over any of them is refused and nothing is stored.</summary>
    public PushLimits Limits { get; set; } = new();

    /// <summary>OTLP ingestion at <c>POST /v1/metrics</c> (section <c>Gateway:Otlp</c>).</summary>
    public Otlp.OtlpOptions Otlp { get; set; } = new();
}

/// <summary>Scrape formats. Section <c>Gateway:Scrape</c>.</summary>
public sealed class ScrapeOptions
{
    /// <summary>
    /// Answer OpenMetrics when the scraper prefers it. Off, as in the Pushgateway (1.5.1 to 1.11):
    /// text 0.0.4, or protobuf when asked first, so series are stored as pushed. On, a counter
    /// without <c>_total</c> is exposed as <c>unknown</c> and Prometheus 2.x stores <c>le="5.0"</c>.
    /// </summary>
    public bool OpenMetrics { get; set; }

    /// <summary>
    /// Give text (and OpenMetrics) scrapers classic buckets for native histograms pushed without any
    /// (<see cref="Exposition.NativeHistogramBuckets.WithClassicBuckets"/>). Off, as in the Pushgateway:
    /// they then see only <c>le="+Inf"</c>, <c>_sum</c> and <c>_count</c>. Protobuf scrapers always get
    /// the native histogram as pushed.
    /// </summary>
    public bool NativeHistogramsAsClassic { get; set; }

    /// <summary>
    /// Add <c>serverlesspush_build_info</c> and <c>serverlesspush_groups</c> to <c>/metrics</c>: series
    /// true on every instance. Off by default, so the scrape holds only what was pushed, as the
    /// reference's would without its own metrics.
    /// </summary>
    public bool SelfMetrics { get; set; }
}

/// <summary>The sweep that deletes expired groups. Section <c>Gateway:Expiry</c>.</summary>
public sealed class ExpiryOptions
{
    /// <summary>The sweep is the Functions timer trigger's binding expression target.</summary>
    public const string ScheduleSetting = "Gateway:Expiry:Schedule";

    /// <summary>NCRONTAB with seconds, UTC (the timer function and the local host read the same setting).</summary>
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>Also expose <c>push_expiry_time_seconds</c> per group that has an expiry.</summary>
    public bool ExposeGauge { get; set; }

    /// <summary>
    /// Jobs whose groups are kept as stale past their TTL instead of deleted (see <see cref="StalePolicy"/>):
    /// <c>Gateway:Expiry:Stale:0:Jobs</c> = <c>backup, etl-*</c>, <c>Gateway:Expiry:Stale:0:KeepFor</c> = <c>7.00:00:00</c>.
    /// Empty: every group is deleted at its expiry, as in the Pushgateway.
    /// </summary>
    public List<StaleRule> Stale { get; set; } = [];
}
