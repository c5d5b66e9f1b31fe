using System.Buffers;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Grouping;

namespace ServerlessPush.Core.Api;

/// <summary>
/// The body of <c>GET /api/v1/status</c>:
/// <c>{"status":"success","data":{"build_information":{…},"flags":{…},"start_time":"…"}}</c>, written
/// as Go's <c>encoding/json</c> writes it (<see cref="GoJson"/>): map keys sorted bytewise, and a
/// version such as <c>1.0.0+abc</c> keeps its <c>+</c> (System.Text.Json's default encoder writes
/// <c>\u002B</c>, and none of its encoders escapes exactly what Go does).
/// </summary>
public static class StatusApiWriter
{
    public const string ContentType = "application/json";

    public static async Task WriteAsync(
        Stream stream,
        IReadOnlyDictionary<string, string> buildInformation,
        IReadOnlyDictionary<string, string> flags,
        DateTimeOffset startTime,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new PooledBufferWriter(1024);
        Write(buffer, buildInformation, flags, startTime);
        await buffer.FlushToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    public static void Write(
        IBufferWriter<byte> output,
        IReadOnlyDictionary<string, string> buildInformation,
        IReadOnlyDictionary<string, string> flags,
        DateTimeOffset startTime)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(buildInformation);
        ArgumentNullException.ThrowIfNull(flags);
        Utf8Output.Write(output, "{\"status\":\"success\",\"data\":{\"build_information\":"u8);
        WriteMap(output, buildInformation);
        Utf8Output.Write(output, ",\"flags\":"u8);
        WriteMap(output, flags);
        Utf8Output.Write(output, ",\"start_time\":"u8);
        GoJson.WriteString(output, GoJson.FormatTime(startTime.ToUniversalTime()));
        Utf8Output.Write(output, "}}"u8);
    }

    /// <summary>Go writes a <c>map[string]string</c> with its keys sorted bytewise.</summary>
    private static void WriteMap(IBufferWriter<byte> output, IReadOnlyDictionary<string, string> map)
    {
        Utf8Output.Write(output, (byte)'{');
        var first = true;
        foreach (var key in map.Keys.OrderBy(k => k, Utf8Ordinal.Instance))
        {
            if (!first)
            {
                Utf8Output.Write(output, (byte)',');
            }
            first = false;
            GoJson.WriteString(output, key);
            Utf8Output.Write(output, (byte)':');
            GoJson.WriteString(output, map[key]);
        }
        Utf8Output.Write(output, (byte)'}');
    }
}
