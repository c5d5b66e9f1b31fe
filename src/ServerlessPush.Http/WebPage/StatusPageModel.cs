using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Http.WebPage;

/// <summary>What the status page (<c>StatusPage.cshtml</c>) shows: the build, the settings that change behaviour, and whether storage answers.</summary>
/// <param name="Checked">When the page was made (its footer).</param>
public sealed record StatusPageModel(
    string Version,
    string Runtime,
    DateTimeOffset Started,
    GatewayOptions Gateway,
    string Access,
    string TableName,
    string StorageEndpoint,
    StorageHealth Storage,
    DateTimeOffset Checked,
    string AssetVersion)
{
    public PageLayoutModel Layout => new("ServerlessPush status", AssetVersion);
}

/// <summary>The outcome of one storage check: answered (in how long), or why not.</summary>
public sealed record StorageHealth(bool Available, TimeSpan Took, string? Error);
