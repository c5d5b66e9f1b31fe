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
    /// A right with no keys of its own is open to anyone when true, closed (401) when false.
    /// A right that has keys always requires one. On in run-local.sh; off by default.
    /// </summary>
    public bool AllowAnonymous { get; set; }
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
