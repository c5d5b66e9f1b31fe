using Microsoft.Extensions.DependencyInjection;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>Many groups written straight into the gateway's store (one storage call each, no push path), for tests of scale.</summary>
internal static class StoreSeeding
{
    /// <summary>Writes one group per key, without families (a scrape shows their push_time_seconds), pushed at <paramref name="pushTime"/>.</summary>
    public static Task WriteAsync(GatewayServer gateway, IEnumerable<GroupingKey> keys, DateTimeOffset pushTime)
    {
        var store = gateway.Services.GetRequiredService<IGroupStore>();
        return Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (key, ct) =>
            new ValueTask(store.WriteAsync(key, new ReplaceFamilies([], pushTime, null), ct)));
    }
}
