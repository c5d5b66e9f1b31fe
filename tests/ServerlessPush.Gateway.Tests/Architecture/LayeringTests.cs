using System.Reflection;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Http;
using ServerlessPush.LocalHost;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Gateway.Tests.Architecture;

/// <summary>
/// The layers reference only what they may, read from the compiled assemblies: the gateway logic
/// knows no web framework and no storage SDK; the HTTP surface knows the store only by its interface
/// (Core), not Table Storage; only the hosts' composition roots bring the two together.
/// </summary>
public sealed class LayeringTests
{
    private static string[] References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_gateway_logic_references_no_web_framework_no_functions_and_no_storage_sdk()
    {
        var references = References(typeof(GroupingKey).Assembly);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Azure.Functions", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Azure.", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("ServerlessPush.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_http_surface_knows_the_store_only_through_its_interface()
    {
        var references = References(typeof(PushEndpoint).Assembly);
        Assert.Contains("ServerlessPush.Core", references);
        Assert.DoesNotContain("ServerlessPush.Storage.Tables", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Azure.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_store_knows_no_http_and_the_local_host_composes_both()
    {
        var store = References(typeof(TableGroupStore).Assembly);
        Assert.DoesNotContain(store, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain("ServerlessPush.Http", store);
        var host = References(typeof(LocalGatewayHost).Assembly);
        Assert.Contains("ServerlessPush.Http", host);
        Assert.Contains("ServerlessPush.Storage.Tables", host);
    }
}
