namespace ServerlessPush.Core.Gateway;

/// <summary>Gateway behaviour and limits. Configuration section <c>Gateway</c> (app settings <c>Gateway__…</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted, as sent (413 above). Below the Functions worker's own 30,000,000-byte cut-off.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest body after gzip decoding (413 above); a gzip bomb stops here, not in memory.</summary>
    public long MaxDecompressedBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>How long a group lives after its last push unless the push says otherwise; null (empty) = for ever, as in the Pushgateway.</summary>
    public TimeSpan? GroupTtl { get; set; }

    /// <summary>The longest TTL a push may ask for with the <c>X-ServerlessPush-TTL</c> header (400 above).</summary>
    public TimeSpan MaxGroupTtl { get; set; } = TimeSpan.FromDays(31);

    public ExpiryOptions Expiry { get; set; } = new();

    /// <summary>Shape limits of one push (section <c>Gateway:Limits</c>); a push over any of them is refused and nothing is stored.</summary>
    public PushLimits Limits { get; set; } = new();
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
}
