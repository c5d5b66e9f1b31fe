using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.WebPage.Tests.Infrastructure;

/// <summary>
/// A store with no storage behind it, to measure what the page itself costs (read, filter, render,
/// send) apart from the storage emulator. Not a model of Table Storage's consistency.
/// </summary>
public sealed class InMemoryGroupStore : IGroupStore
{
    private readonly ConcurrentDictionary<GroupingKey, MetricGroup> _groups = new();

    public Task<MetricGroup?> GetAsync(GroupingKey key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_groups.TryGetValue(key, out var group) ? group : null);

    public Task WriteAsync(GroupingKey key, GroupMutation mutation, CancellationToken cancellationToken = default)
    {
        _groups.AddOrUpdate(key,
            k => Build(k, mutation.Apply(null), null),
            (k, current) => Build(k, mutation.Apply(current), current.LastFailureTime));
        return Task.CompletedTask;
    }

    public Task RecordFailureAsync(GroupingKey key, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        if (_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group with { LastFailureTime = time };
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(GroupingKey key, CancellationToken cancellationToken = default)
    {
        _groups.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<GroupingKey> ListKeysAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var key in _groups.Keys)
        {
            yield return key;
        }
    }

    public async IAsyncEnumerable<MetricGroup> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var group in _groups.Values)
        {
            yield return group;
        }
    }

    public Task CheckAvailableAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private static MetricGroup Build(GroupingKey key, GroupContent content, DateTimeOffset? failure) =>
        new(key, content.Families, content.PushTime, failure, content.ExpiresAt);
}
