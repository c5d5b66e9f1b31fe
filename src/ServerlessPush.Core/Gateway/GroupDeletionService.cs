using Microsoft.Extensions.Options;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Core.Gateway;

/// <summary>
/// Delete by selector and age (<c>DELETE /api/v1/groups?match[]=…&amp;older_than=…</c>): lists the
/// matching keys (only the named jobs' key ranges when every selector names its job) or, when an
/// age is asked, takes them with their push times from the store's scrape view, then deletes them in
/// one <see cref="IGroupStore.DeleteManyAsync"/> with at most <see cref="GatewayOptions.MaxStorageCallsPerRequest"/>
/// storage calls in flight. A dry run stops before deleting. A group pushed again while the deletion
/// runs may still be deleted, as with any delete. The admin wipe is the selection of everything.
/// </summary>
public sealed class GroupDeletionService(IGroupStore store, IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <param name="olderThan">Only groups whose last push (or, never pushed successfully, last failure) is at least this old.</param>
    /// <returns>The groups deleted (or, on a dry run, that would be), in grouping-key order.</returns>
    public async Task<List<GroupingKey>> DeleteAsync(GroupSelection selection, TimeSpan? olderThan, bool dryRun, CancellationToken cancellationToken = default)
    {
        List<GroupingKey> keys;
        if (olderThan is { } age)
        {
            // Push times come with the groups: read them through the store's scrape view (one scan of
            // head versions, no read per group) rather than one read per matching group.
            var cutoff = time.GetUtcNow() - age;
            keys = [];
            await foreach (var group in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (selection.Matches(group.Key) && (group.LastPushTime ?? group.LastFailureTime ?? DateTimeOffset.MinValue) <= cutoff)
                {
                    keys.Add(group.Key);
                }
            }
        }
        else
        {
            keys = await ListMatchingKeysAsync(selection, cancellationToken).ConfigureAwait(false);
        }
        if (!dryRun)
        {
            await store.DeleteManyAsync(keys, options.Value.MaxStorageCallsPerRequest, cancellationToken).ConfigureAwait(false);
        }
        keys.Sort(GroupingKey.ReferenceOrder);
        return keys;
    }

    /// <summary>
    /// Parses <c>older_than</c> as a Prometheus duration (<c>24h</c>, <c>7d</c>, <c>1h30m</c>); null when
    /// absent; else the age or the 400 reason.
    /// </summary>
    public static (TimeSpan? Age, string? Error) ParseAge(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }
        var (milliseconds, error) = PushTtl.ParseDuration(value.Trim());
        if (error is not null)
        {
            return (null, $"invalid older_than {value}: {error}");
        }
        if (milliseconds > (System.Numerics.BigInteger)TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return (null, $"invalid older_than {value}: too large");
        }
        return (TimeSpan.FromMilliseconds((long)milliseconds), null);
    }

    private async Task<List<GroupingKey>> ListMatchingKeysAsync(GroupSelection selection, CancellationToken cancellationToken)
    {
        var keys = new List<GroupingKey>();
        if (selection.ExactJobs is { } jobs)
        {
            foreach (var job in jobs.Order(StringComparer.Ordinal))
            {
                await foreach (var key in store.ListKeysOfJobAsync(job, cancellationToken).ConfigureAwait(false))
                {
                    if (selection.Matches(key))
                    {
                        keys.Add(key);
                    }
                }
            }
            return keys;
        }
        await foreach (var key in store.ListKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (selection.Matches(key))
            {
                keys.Add(key);
            }
        }
        return keys;
    }
}
