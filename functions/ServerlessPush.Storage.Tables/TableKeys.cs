using System.Security.Cryptography;
using System.Text;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Partition and row keys. Label text can hold every character Table keys forbid (<c>/ \ # ?</c>,
/// control characters), so keys are base64url of the canonical grouping key; past
/// <see cref="MaxReadableKey"/> characters a SHA-256 stands in, and the head row keeps the labels.
/// Prefixes keep the kinds of partitions apart in the one table.
/// </summary>
public static class TableKeys
{
    /// <summary>Group partitions: <c>g…</c>.</summary>
    public const string GroupPrefix = "g";
    /// <summary>First key after every group partition.</summary>
    public const string GroupRangeEnd = "h";
    /// <summary>Metric-name index partitions: <c>n…</c>.</summary>
    public const string NamePrefix = "n";
    /// <summary>Expiry index partitions: <c>x&lt;yyyyMMddHHmm&gt;</c>, one per <see cref="ExpiryBucket"/> of expiry time.</summary>
    public const string ExpiryPrefix = "x";
    /// <summary>Width of an expiry index partition: coarse, so a group pushed often rewrites its entry rarely.</summary>
    public static readonly TimeSpan ExpiryBucket = TimeSpan.FromMinutes(10);

    /// <summary>The row that makes a group exist: labels, push time, families (inline or by chunk rows).</summary>
    public const string HeadRow = "head";
    /// <summary>The row holding the last failure time, apart so that a blind PUT of the head keeps it.</summary>
    public const string FailureRow = "failure";
    /// <summary>Chunk rows of large groups: <c>chunk|&lt;version&gt;|&lt;index&gt;</c>; they sort before the head.</summary>
    public const string ChunkPrefix = "chunk|";
    /// <summary>Write permits of a group: <c>permit|&lt;random id&gt;</c>; they sort after the head.</summary>
    public const string PermitPrefix = "permit|";
    /// <summary>First row key after every permit row.</summary>
    public const string PermitRangeEnd = "permit}";

    // Azurite rejects keys over 512 characters; Azure allows 1 KiB. Job part plus the rest stay below both.
    private const int MaxReadableKey = 300;
    private const int MaxReadableJob = 180;

    /// <summary>
    /// <c>g&lt;job&gt;.&lt;other labels&gt;</c>: the job first, so all groups of one job are one key range
    /// (delete by job reads only that job's groups).
    /// </summary>
    public static string GroupPartition(GroupingKey key) =>
        JobPrefix(key.Job) + Encode(key.With(GroupingKey.JobLabel, null).Canonical, MaxReadableKey);

    /// <summary>The key range of one job's groups: from <c>JobPrefix</c> (inclusive) to <c>JobRangeEnd</c> (exclusive).</summary>
    public static string JobPrefix(string job) => GroupPrefix + Encode(job, MaxReadableJob) + ".";

    /// <summary>'/' follows '.' and never occurs in an encoded key.</summary>
    public static string JobRangeEnd(string job) => GroupPrefix + Encode(job, MaxReadableJob) + "/";

    public static string ExpiryPartition(DateTimeOffset expiresAt)
    {
        var ticks = expiresAt.UtcTicks - (expiresAt.UtcTicks % ExpiryBucket.Ticks);
        return ExpiryPrefix + new DateTime(ticks, DateTimeKind.Utc).ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string NamePartition(string metricName) => NamePrefix + Encode(metricName, MaxReadableKey);

    public static string ChunkRow(string version, int index) => $"{ChunkPrefix}{version}|{index:D5}";

    public static string PermitRow(string id) => PermitPrefix + id;

    /// <summary>Index row key: the type first, so "rows of another type" is two key-range reads.</summary>
    public static string TypeRow(string typeName, string groupPartition) => typeName + "|" + groupPartition;

    private static string Encode(string text, int maxReadable)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var encoded = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return encoded.Length <= maxReadable
            ? encoded
            : "~" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
