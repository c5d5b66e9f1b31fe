using System.Reflection;
using System.Text;
using ServerlessPush.Http;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary><c>GET /api/v1/status</c> over real HTTP: the version is written as Go's encoding/json writes it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StatusApiTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task The_version_keeps_its_plus_sign()
    {
        var version = typeof(ApiEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.True(version.Contains('+', StringComparison.Ordinal), $"the build's version has no '+' to test with: {version}");
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        var bytes = await gateway.Client.GetByteArrayAsync("/api/v1/status");
        var body = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"version\":\"" + version + "\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", body, StringComparison.Ordinal);
        Assert.StartsWith("{\"status\":\"success\",\"data\":{\"build_information\":{\"branch\":\"\",", body, StringComparison.Ordinal);
    }
}
