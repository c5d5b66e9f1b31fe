using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// The metric-name index in the same table: partition <c>n&lt;name&gt;</c>, row <c>&lt;TYPE&gt;|&lt;group partition&gt;</c>,
/// and the partition's <see cref="TableKeys.NameTypesRow"/>: a flag per type that has ever had a row there,
/// set in the same transaction as each registration and never cleared. "Groups holding this name with
/// another type" is one point read of the flags, and only when another type is flagged, one key-range
/// read per such type, whatever the size of the store. Rows keep the group's labels and the metric
/// name: where either key is hashed (<see cref="TableKeys.IsHashed"/>) they, not the key, say whose row it is.
/// A registration is an upsert, so it always gives the row a new ETag: a reader's removal,
/// conditional on the ETag it read, fails once the row was registered again.
/// </summary>
/// <remarks>A table lost or not yet created (local runs) is created by <see cref="TableRecreationPolicy"/> in the client's pipeline.</remarks>
/// <param name="maxConcurrency">Transactions one registration runs at once (rows of different names are in
/// different partitions, so they cannot share one).</param>
public sealed class TableMetricTypeIndex(TableClient table, int maxConcurrency = GatewayOptions.DefaultMaxStorageCallsPerRequest) : IMetricTypeIndex
{
    public Task RegisterAsync(GroupingKey group, IReadOnlyCollection<(string Name, MetricType Type)> families, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => RegisterAllAsync(group, families, cancellationToken), cancellationToken);

    private async Task RegisterAllAsync(GroupingKey group, IReadOnlyCollection<(string Name, MetricType Type)> families, CancellationToken cancellationToken)
    {
        var labels = JsonSerializer.Serialize(group.Labels.Select(l => new[] { l.Key, l.Value }));
        var groupPk = TableKeys.GroupPartition(group);
        // Rows are the first thing a push writes: a push whose hashed key is taken by another
        // group (or name) is refused here, before it replaces that group's rows.
        if (TableKeys.IsHashed(groupPk))
        {
            await EnsureGroupFreeAsync(groupPk, group, cancellationToken).ConfigureAwait(false);
        }
        await Parallel.ForEachAsync(families, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken }, async (f, ct) =>
            await RegisterOneAsync(f.Name, PushValidator.TypeName(f.Type), groupPk, labels, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<TypeRegistration>> FindAsync(string name, GroupingKey except, MetricType? exceptType, int limit, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => FindRowsAsync(name, except, exceptType, limit, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<TypeRegistration>> FindRowsAsync(string name, GroupingKey except, MetricType? exceptType, int limit, CancellationToken cancellationToken)
    {
        var pk = TableKeys.NamePartition(name);
        // Every row was written with its type's flag (one transaction) and flags are never cleared,
        // so the types not flagged in a read made after this push registered its own rows have no row
        // that was there before: no range read for them (docs/consistency.md, "The type flags").
        var flags = await table.GetEntityIfExistsAsync<TableEntity>(pk, TableKeys.NameTypesRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!flags.HasValue)
        {
            return [];
        }
        var exceptName = exceptType is { } type ? PushValidator.TypeName(type) : null;
        var others = RowTypeNames.Where(t => t != exceptName && flags.Value!.GetBoolean(t) == true).ToList();
        if (others.Count == 0)
        {
            return [];
        }
        var ownPk = TableKeys.GroupPartition(except);
        var pages = await Task.WhenAll(others.Select(t => FirstRowsAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {TableKeys.TypeRow(t, "")} and RowKey lt {TableKeys.TypeRangeEnd(t)}"),
            name,
            ownPk,
            limit,
            cancellationToken))).ConfigureAwait(false);
        return pages.SelectMany(p => p).Take(limit).ToList();
    }

    /// <summary>The type prefixes a row key can start with.</summary>
    private static readonly string[] RowTypeNames = [.. Enum.GetValues<MetricType>().Select(PushValidator.TypeName)];

    public Task<bool> RemoveIfUnchangedAsync(TypeRegistration registration, CancellationToken cancellationToken = default) =>
        StorageGuard.RunAsync(() => RemoveRowIfUnchangedAsync(registration, cancellationToken), cancellationToken);

    private async Task<bool> RemoveRowIfUnchangedAsync(TypeRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            // A single delete of a row already gone answers 404 without throwing: gone is what was wanted.
            await table.DeleteEntityAsync(
                TableKeys.NamePartition(registration.Name),
                TableKeys.TypeRow(PushValidator.TypeName(registration.Type), TableKeys.GroupPartition(registration.Group)),
                registration.Version is { } version ? new ETag(version) : throw new ArgumentException("A row is removed only at the version read.", nameof(registration)),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    private async Task RegisterOneAsync(string name, string typeName, string groupPk, string labels, CancellationToken cancellationToken)
    {
        var row = new TableEntity(TableKeys.NamePartition(name), TableKeys.TypeRow(typeName, groupPk)) { ["Labels"] = labels, ["Name"] = name };
        if (TableKeys.IsHashed(row.PartitionKey))
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, ["Name"], cancellationToken).ConfigureAwait(false);
            if (existing.HasValue && existing.Value!.GetString("Name") is { } other && other != name)
            {
                throw new StorageUnavailableException($"Metric name {name} cannot be stored: its hashed index key is held by another name.");
            }
        }
        // The row and its type's flag in one transaction (one partition): no reader sees the row without the flag.
        await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, row),
                new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(row.PartitionKey, TableKeys.NameTypesRow) { [typeName] = true }),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses (as <see cref="TableGroupStore"/> does) a group whose hashed partition holds another live group.</summary>
    private async Task EnsureGroupFreeAsync(string groupPk, GroupingKey group, CancellationToken cancellationToken)
    {
        var head = await table.GetEntityIfExistsAsync<TableEntity>(groupPk, TableKeys.HeadRow, ["Labels", "Deleted"], cancellationToken).ConfigureAwait(false);
        if (head.HasValue && head.Value!.GetBoolean("Deleted") != true && !GroupRows.LabelsOf(head.Value).Equals(group))
        {
            throw new StorageUnavailableException($"Group {group} cannot be stored: its hashed partition key {groupPk} is held by another group.");
        }
    }

    private async Task<List<TypeRegistration>> FirstRowsAsync(string filter, string name, string ownPk, int limit, CancellationToken cancellationToken)
    {
        var found = new List<TypeRegistration>();
        // Pages may be empty with a continuation token; follow them until enough rows are found.
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var separator = row.RowKey.IndexOf('|');
            var groupPk = row.RowKey[(separator + 1)..];
            if (groupPk == ownPk || (TableKeys.IsHashed(row.PartitionKey) && row.GetString("Name") != name))
            {
                // Our own group, or a row of another name that shares the hashed name partition.
                continue;
            }
            var type = ParseType(row.RowKey[..separator]);
            var labels = JsonSerializer.Deserialize<string[][]>(row.GetString("Labels") ?? "[]")!;
            found.Add(new TypeRegistration(
                Name: name,
                Type: type,
                Group: GroupingKey.Create(labels.Select(p => KeyValuePair.Create(p[0], p[1]))),
                Version: row.ETag.ToString()));
            if (found.Count >= limit)
            {
                break;
            }
        }
        return found;
    }

    private static MetricType ParseType(string name) => name switch
    {
        "COUNTER" => MetricType.Counter,
        "GAUGE" => MetricType.Gauge,
        "SUMMARY" => MetricType.Summary,
        "UNTYPED" => MetricType.Untyped,
        "HISTOGRAM" => MetricType.Histogram,
        _ => MetricType.GaugeHistogram,
    };
}
