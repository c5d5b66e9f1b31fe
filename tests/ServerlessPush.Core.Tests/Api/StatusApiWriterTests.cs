using System.Buffers;
using System.Text;
using ServerlessPush.Core.Api;

namespace ServerlessPush.Core.Tests.Api;

public class StatusApiWriterTests
{
    [Fact]
    public void Writes_the_bytes_Go_encoding_json_writes()
    {
        var output = new ArrayBufferWriter<byte>();
        StatusApiWriter.Write(
            output,
            new Dictionary<string, string> { ["version"] = "1.2.3+abc<&>\u2028é", ["branch"] = "" },
            new Dictionary<string, string> { ["web.enable-admin-api"] = "true", ["push.max-body-bytes"] = "10" },
            new DateTimeOffset(2026, 12, 1, 10, 0, 0, 500, TimeSpan.Zero));

        // '+' and 'é' raw; only <, >, & and U+2028/2029 become \u escapes (lower-case hex), keys sorted.
        Assert.Equal(
            "{\"status\":\"success\",\"data\":{\"build_information\":{\"branch\":\"\",\"version\":\"1.2.3+abc\\u003c\\u0026\\u003e\\u2028é\"},"
            + "\"flags\":{\"push.max-body-bytes\":\"10\",\"web.enable-admin-api\":\"true\"},\"start_time\":\"2026-12-01T10:00:00.5Z\"}}",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
