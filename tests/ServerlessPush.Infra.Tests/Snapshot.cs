using System.Text.Json;

namespace ServerlessPush.Infra.Tests;

/// <summary>The JSON that <c>bicep snapshot</c> writes: predicted resources with literal values resolved,
/// values only known at deployment time left as ARM expressions (e.g. <c>[reference(...).clientId]</c>).</summary>
public sealed class Snapshot(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public IReadOnlyList<JsonElement> Resources { get; } = [.. root.GetProperty("predictedResources").EnumerateArray()];

    public IEnumerable<JsonElement> OfType(string type) =>
        Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    public JsonElement Single(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"expected exactly one {type}, found {matches.Count}");
        return matches[0];
    }

    public JsonElement StorageAccount => Single("Microsoft.Storage/storageAccounts");

    public JsonElement Site => Single("Microsoft.Web/sites");

    public JsonElement Identity => Single("Microsoft.ManagedIdentity/userAssignedIdentities");

    public JsonElement AppInsights => Single("Microsoft.Insights/components");

    public JsonElement KeyVault => Single("Microsoft.KeyVault/vaults");

    /// <summary>The function app's settings, name → value, in declaration order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AppSettings =>
    [
        .. Site.GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .Select(s => new KeyValuePair<string, string>(s.GetProperty("name").GetString()!, s.GetProperty("value").GetString()!)),
    ];

    public string Setting(string name)
    {
        var matches = AppSettings.Where(s => s.Key == name).ToList();
        Assert.True(matches.Count == 1, $"expected app setting {name} once, found it {matches.Count} times");
        return matches[0].Value;
    }

    public IReadOnlyDictionary<string, string> Outputs =>
        Root.GetProperty("outputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    public static string Id(JsonElement resource) => resource.GetProperty("id").GetString()!;
}
