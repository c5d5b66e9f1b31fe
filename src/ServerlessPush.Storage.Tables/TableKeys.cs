using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Partition and row keys. Label text can hold every character Table keys forbid (<c>/ \ # ?</c>,
/// control characters), so keys are base64url of the UTF-8 of an injective string (the job, or
/// <see cref="GroupingKey.Canonical"/> of the other labels); distinct groups get distinct keys.
/// Past the readable length a SHA-256 stands in (<c>~&lt;hex&gt;</c>, '~' is not base64url): such a key
/// is injective only because the rows keep the full labels (metric name) and every reader checks
/// them (<see cref="IsHashed"/>). Prefixes keep the kinds of partitions apart in the one table.
/// </summary>
public static class TableKeys
{
    /// <summary>Group partitions: <c>g…</c>.</summary>
    public const string GroupPrefix = "g";
    /// <summary>First key after every group partition.</summary>
    public const string GroupRangeEnd = "h";
    /// <summary>Metric-name index partitions: <c>n…</c>.</summary>
    public const string NamePrefix = "n";
    /// <summary>
    /// Expiry index partitions: <c>x&lt;yyyyMMddHHmm&gt;.&lt;shard&gt;</c>, <see cref="ExpiryShards"/> per
    /// <see cref="ExpiryBucket"/> of expiry time, the shard a stable hash of the group partition.
    /// </summary>
    public const string ExpiryPrefix = "x";
    /// <summary>The scrape's split hints (<c>s</c>, one row): where whole reads split the group range.</summary>
    public const string ScrapeHintsPartition = "s";
    /// <summary>The row of the split hints.</summary>
    public const string ScrapeHintsRow = "ranges";
    /// <summary>Width of an expiry index partition: coarse, so a group pushed often rewrites its entry rarely.</summary>
    public static readonly TimeSpan ExpiryBucket = TimeSpan.FromMinutes(10);
    /// <summary>
    /// Partitions per expiry bucket: the groups expiring in one bucket (a bulk delete's tombstones, a
    /// fleet pushing on one schedule) spread their entries over this many partitions, each within a
    /// partition's throughput (about 2,000 entities/s) and small for Azurite, which finds a row
    /// by scanning its partition. The sweep reads a bucket's shards with one range query, as before.
    /// </summary>
    public const int ExpiryShards = 16;

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

    // Azurite rejects keys over 512 characters; Azure allows 1 KiB. Job part plus the rest stay below
    // both, also inside an index row key (<TYPE>|<group partition>).
    private const int MaxReadableKey = 300;
    private const int MaxReadableJob = 180;
    private const int MaxReadableName = 400;

    private const char HashedMark = '~';

    // Strict: text that is not well-formed would otherwise encode like U+FFFD and share its key.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// <c>g&lt;job&gt;.&lt;other labels&gt;</c>: the job first, so all groups of one job are one key range
    /// (delete by job reads only that job's groups). Neither encoded part contains '.', so the first
    /// '.' splits a key back into its two parts.
    /// </summary>
    public static string GroupPartition(GroupingKey key) =>
        JobPrefix(key.Job) + Encode(key.With(GroupingKey.JobLabel, null).Canonical, MaxReadableKey);

    /// <summary>The key range of one job's groups: from <c>JobPrefix</c> (inclusive) to <c>JobRangeEnd</c> (exclusive).</summary>
    public static string JobPrefix(string job) => GroupPrefix + Encode(job, MaxReadableJob) + ".";

    /// <summary>'/' follows '.' and never occurs in an encoded key.</summary>
    public static string JobRangeEnd(string job) => GroupPrefix + Encode(job, MaxReadableJob) + "/";

    public static string ExpiryPartition(DateTimeOffset expiresAt, string groupPartition) =>
        ExpiryBucketName(expiresAt) + "." + ShardOf(groupPartition).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The end (exclusive) of the expiry index up to the bucket of <paramref name="time"/>: every shard of that bucket and of all earlier ones sorts before it.</summary>
    public static string ExpiryRangeEnd(DateTimeOffset time) => ExpiryBucketName(time) + "/";

    private static string ExpiryBucketName(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - (time.UtcTicks % ExpiryBucket.Ticks);
        return ExpiryPrefix + new DateTime(ticks, DateTimeKind.Utc).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
    }

    /// <summary>FNV-1a over the partition key: the same shard on every instance and every run (string.GetHashCode is randomised per process).</summary>
    private static int ShardOf(string groupPartition)
    {
        var hash = 2166136261u;
        foreach (var c in groupPartition)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % ExpiryShards);
    }

    /// <summary>The index partition of one metric name; hashed past 300 bytes of name (index rows keep the name).</summary>
    public static string NamePartition(string metricName) => NamePrefix + Encode(metricName, MaxReadableName);

    /// <summary>
    /// Whether a key holds a SHA-256 in place of some text: then another group (name) could share
    /// it, and only the labels (name) in its rows say whose it is.
    /// </summary>
    public static bool IsHashed(string partition) => partition.Contains(HashedMark, StringComparison.Ordinal);

    public static string ChunkRow(string version, int index) => $"{ChunkPrefix}{version}|{index:D5}";

    public static string PermitRow(string id) => PermitPrefix + id;

    /// <summary>Index row key: the type first, so the rows of one type are one key range (<see cref="TypeRangeEnd"/>).</summary>
    public static string TypeRow(string typeName, string groupPartition) => typeName + "|" + groupPartition;

    /// <summary>First row key after every index row of the type.</summary>
    public static string TypeRangeEnd(string typeName) => typeName + "}";

    /// <summary>
    /// The row of an index partition that says which types it has rows of (a boolean per type name);
    /// lower case, so it is in no type's range.
    /// </summary>
    public const string NameTypesRow = "types";

    private static string Encode(string text, int maxReadable)
    {
        var bytes = Utf8.GetBytes(text);
        var encoded = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return encoded.Length <= maxReadable
            ? encoded
            : HashedMark + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
