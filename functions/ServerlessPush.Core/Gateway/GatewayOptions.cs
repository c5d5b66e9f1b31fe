namespace ServerlessPush.Core.Gateway;

/// <summary>Gateway behaviour and limits. Configuration section <c>Gateway</c> (app settings <c>Gateway__…</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted, as sent (413 above). Below the Functions worker's own 30,000,000-byte cut-off.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest body after gzip decoding (413 above); a gzip bomb stops here, not in memory.</summary>
    public long MaxDecompressedBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Shape limits of one push (section <c>Gateway:Limits</c>); a push over any of them is refused and nothing is stored.</summary>
    public PushLimits Limits { get; set; } = new();
}
