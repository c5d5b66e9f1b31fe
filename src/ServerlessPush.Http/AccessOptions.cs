namespace ServerlessPush.Http;

/// <summary>
/// Who may push, read and wipe. Configuration section <c>Gateway:Access</c> (app settings
/// <c>Gateway__Access__PushKeys__0</c>, <c>…__1</c>, …). Several keys per right so that keys can be
/// rotated: add the new one, move the clients, remove the old one. See docs/access.md.
/// </summary>
public sealed class AccessOptions
{
    public const string SectionName = "Gateway:Access";

    /// <summary>Keys that may PUT, POST and DELETE groups.</summary>
    public string[] PushKeys { get; set; } = [];

    /// <summary>Keys that may scrape <c>/metrics</c>, read <c>/api/v1/metrics</c> and <c>/api/v1/status</c>, and see the web page.</summary>
    public string[] ReadKeys { get; set; } = [];

    /// <summary>Keys that may wipe the gateway; an admin key also has the push and read rights.</summary>
    public string[] AdminKeys { get; set; } = [];

    /// <summary>
    /// Keys limited to some jobs, one entry per key: <c>Gateway__Access__ScopedKeys__0__Key</c>,
    /// <c>…__0__Rights</c> (<c>push</c>, <c>read</c>, <c>admin</c>, comma separated) and
    /// <c>…__0__Jobs</c> (exact names and <c>prefix*</c> patterns, comma separated). The three lists
    /// above stay unscoped (every job).
    /// </summary>
    public ScopedKeyOptions[] ScopedKeys { get; set; } = [];

    /// <summary>
    /// For a gateway with no keys at all (local development): push and read are open to anyone.
    /// Ignored as soon as any key is configured, and never opens admin. On in run-local.sh; off by default.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Push is open to requests without a key, even when other rights have keys. Ignored while <see cref="PushKeys"/> has keys.</summary>
    public bool AllowAnonymousPush { get; set; }

    /// <summary>Read is open to requests without a key, even when other rights have keys. Ignored while <see cref="ReadKeys"/> has keys.</summary>
    public bool AllowAnonymousRead { get; set; }

    /// <summary>
    /// Wipe and delete by job are open to requests without a key: the only way admin is ever open
    /// (the Pushgateway's admin API is off unless asked for, too). Ignored while <see cref="AdminKeys"/> has keys.
    /// </summary>
    public bool AllowAnonymousAdmin { get; set; }
}

/// <summary>One key scoped to jobs (see <see cref="AccessOptions.ScopedKeys"/>).</summary>
public sealed class ScopedKeyOptions
{
    /// <summary>The key (a Key Vault reference in Azure).</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary><c>push</c>, <c>read</c> and/or <c>admin</c>, comma separated; admin includes push and read, within the jobs.</summary>
    public string Rights { get; set; } = string.Empty;

    /// <summary>Exact job names and <c>prefix*</c> patterns, comma separated.</summary>
    public string Jobs { get; set; } = string.Empty;
}

/// <summary>The three rights a request may need.</summary>
public enum AccessRight
{
    /// <summary>PUT/POST/DELETE of groups.</summary>
    Push,
    /// <summary>Scrape, JSON API, web page.</summary>
    Read,
    /// <summary>Wipe (and any other whole-gateway deletion).</summary>
    Admin,
}
