using System.Text.Json;
using Azure.Data.Tables;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Rows to groups and back, as pure functions (no storage call): the head, chunk rows, the expiry
/// index entry, and <see cref="Assemble"/>, which builds a group from one read of its partition.
/// </summary>
internal static class GroupRows
{
    // 64 KiB per binary property; 8 per entity keeps an entity well under 1 MiB even as Azurite
    // measures it (base64 JSON), and 4 chunk rows per transaction under the 4 MiB body limit.
    public const int PropertyBytes = 64 * 1024;
    public const int PropertiesPerEntity = 8;
    public const int InlineLimit = PropertyBytes * PropertiesPerEntity;

    /// <summary>Head column: the id of the permit the head was written with.</summary>
    public const string PermitColumn = "Permit";

    public static TableEntity NewHead(string pk, GroupingKey key, GroupContent content, string encoding, ReadOnlySpan<byte> inline, string? version, int chunks, int? length = null)
    {
        var head = new TableEntity(pk, TableKeys.HeadRow)
        {
            ["Labels"] = WriteLabels(key),
            ["PushTicks"] = content.PushTime.UtcTicks,
            ["Encoding"] = encoding,
            ["Chunks"] = chunks,
            ["Length"] = length ?? inline.Length,
        };
        if (version is not null)
        {
            head["Version"] = version;
        }
        if (content.ExpiresAt is { } expires)
        {
            head["ExpiresTicks"] = expires.UtcTicks;
            head["TtlTicks"] = content.Ttl!.Value.Ticks;
        }
        SetData(head, inline);
        return head;
    }

    /// <summary>The chunk rows of a large group's payload, under a fresh version.</summary>
    public static List<TableEntity> ChunkRows(string pk, string version, byte[] bytes)
    {
        var rows = new List<TableEntity>();
        for (int offset = 0, index = 0; offset < bytes.Length || index == 0; offset += InlineLimit, index++)
        {
            var entity = new TableEntity(pk, TableKeys.ChunkRow(version, index));
            SetData(entity, bytes.AsSpan(offset, Math.Min(InlineLimit, bytes.Length - offset)));
            rows.Add(entity);
        }
        return rows;
    }

    public static TableEntity Tombstone(string pk, TableEntity head, DateTimeOffset expires) =>
        new(pk, TableKeys.HeadRow)
        {
            ["Labels"] = head.GetString("Labels"),
            ["Deleted"] = true,
            ["ExpiresTicks"] = expires.UtcTicks,
        };

    public static TableEntity ExpiryEntry(string pk, GroupingKey key, DateTimeOffset expires) =>
        new(TableKeys.ExpiryPartition(expires, pk), pk)
        {
            ["Labels"] = WriteLabels(key),
            ["ExpiresTicks"] = expires.UtcTicks,
        };

    /// <summary>Builds a group from its rows; null if there is no head; Torn if the head's chunks are not all there.</summary>
    public static StoredPartition? Assemble(List<TableEntity> rows)
    {
        var head = rows.FirstOrDefault(r => r.RowKey == TableKeys.HeadRow);
        if (head is null)
        {
            return null;
        }
        var chunkRows = rows.Where(r => r.RowKey.StartsWith(TableKeys.ChunkPrefix, StringComparison.Ordinal)).ToList();
        var failure = rows.FirstOrDefault(r => r.RowKey == TableKeys.FailureRow);
        var permits = PermitIds(rows);
        if (head.GetBoolean("Deleted") == true)
        {
            return new StoredPartition(null, head, chunkRows, Torn: false, failure is not null) { Permits = permits };
        }
        byte[] bytes;
        if ((head.GetInt32("Chunks") ?? 0) is var chunks && chunks == 0)
        {
            bytes = Concat([head]);
        }
        else
        {
            var version = head.GetString("Version");
            var mine = chunkRows
                .Where(r => r.RowKey.StartsWith(TableKeys.ChunkPrefix + version + "|", StringComparison.Ordinal))
                .OrderBy(r => r.RowKey, StringComparer.Ordinal)
                .ToList();
            if (mine.Count != chunks)
            {
                return new StoredPartition(null, head, chunkRows, Torn: true) { Permits = permits };
            }
            bytes = Concat(mine);
        }
        var group = ToGroup(head, bytes, failure is null ? null : ToTime(failure.GetInt64("FailureTicks")), failure?.GetString("Reason"));
        return new StoredPartition(group, head, chunkRows, Torn: false, failure is not null) { Permits = permits };
    }

    /// <summary>A live head with inline data: the group it holds (with the failure time read apart).</summary>
    public static MetricGroup InlineGroup(TableEntity head, DateTimeOffset? failure) => ToGroup(head, Concat([head]), failure, null);

    private static MetricGroup ToGroup(TableEntity head, byte[] bytes, DateTimeOffset? failure, string? failureReason)
    {
        var length = head.GetInt32("Length") ?? bytes.Length;
        var families = GroupPayloadCodec.Decode(bytes.AsSpan(0, length), head.GetString("Encoding"));
        return new MetricGroup(
            LabelsOf(head),
            families,
            ToTime(head.GetInt64("PushTicks")),
            failure,
            ToTime(head.GetInt64("ExpiresTicks")),
            head.GetInt64("TtlTicks") is { } ttl ? TimeSpan.FromTicks(ttl) : null,
            failureReason);
    }

    /// <summary>The ids of the permit rows among a partition's rows (with or without a head).</summary>
    public static List<string> PermitIds(List<TableEntity> rows) => rows
        .Where(r => r.RowKey.StartsWith(TableKeys.PermitPrefix, StringComparison.Ordinal))
        .Select(r => r.RowKey[TableKeys.PermitPrefix.Length..])
        .ToList();

    public static GroupingKey LabelsOf(TableEntity row) => GroupingKey.Create(ReadLabels(row.GetString("Labels")));

    public static string WriteLabels(GroupingKey key) =>
        JsonSerializer.Serialize(key.Labels.Select(l => new[] { l.Key, l.Value }));

    public static IEnumerable<KeyValuePair<string, string>> ReadLabels(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<string[][]>(json)!.Select(p => KeyValuePair.Create(p[0], p[1]));

    public static DateTimeOffset? ToTime(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public static bool IsDeleted(TableEntity head) => head.GetBoolean("Deleted") == true;

    private static void SetData(TableEntity entity, ReadOnlySpan<byte> bytes)
    {
        for (int offset = 0, i = 0; offset < bytes.Length; offset += PropertyBytes, i++)
        {
            entity["D" + i] = bytes.Slice(offset, Math.Min(PropertyBytes, bytes.Length - offset)).ToArray();
        }
    }

    private static byte[] Concat(IEnumerable<TableEntity> entities)
    {
        using var buffer = new MemoryStream();
        foreach (var entity in entities)
        {
            for (var i = 0; i < PropertiesPerEntity; i++)
            {
                if (entity.GetBinary("D" + i) is not { } part)
                {
                    break;
                }
                buffer.Write(part);
            }
        }
        return buffer.ToArray();
    }
}

/// <summary>A group's rows as read in one query; <see cref="Group"/> is null for a tombstone (or when <see cref="Torn"/>).</summary>
internal sealed record StoredPartition(MetricGroup? Group, TableEntity Head, List<TableEntity> ChunkRows, bool Torn, bool HasFailureRow = false)
{
    /// <summary>Ids of the group's write permits.</summary>
    public IReadOnlyList<string> Permits { get; init; } = [];

    public bool IsTombstone => Group is null && !Torn;
}
