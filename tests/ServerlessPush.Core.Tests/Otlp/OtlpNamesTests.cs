using ServerlessPush.Core.Otlp;

namespace ServerlessPush.Core.Tests.Otlp;

public sealed class OtlpNamesTests
{
    [Theory]
    [InlineData("system.filesystem.usage", "By", OtlpNameKind.Gauge, "system_filesystem_usage_bytes")]
    [InlineData("jobs.processed", "", OtlpNameKind.Counter, "jobs_processed_total")]
    [InlineData("jobs.processed", "{job}", OtlpNameKind.Counter, "jobs_processed_total")]
    [InlineData("total.jobs", "", OtlpNameKind.Counter, "jobs_total")]
    [InlineData("http.server.duration", "ms", OtlpNameKind.Other, "http_server_duration_milliseconds")]
    [InlineData("request.duration", "s", OtlpNameKind.Other, "request_duration_seconds")]
    [InlineData("duration.seconds", "s", OtlpNameKind.Other, "duration_seconds")]
    [InlineData("cpu.utilization", "1", OtlpNameKind.Gauge, "cpu_utilization_ratio")]
    [InlineData("cpu.utilization", "1", OtlpNameKind.Counter, "cpu_utilization_total")]
    [InlineData("throughput", "By/s", OtlpNameKind.Gauge, "throughput_bytes_per_second")]
    [InlineData("speed", "m/h", OtlpNameKind.Gauge, "speed_meters_per_hour")]
    [InlineData("queue-depth", "{item}", OtlpNameKind.Gauge, "queue_depth")]
    [InlineData("2xx.responses", "", OtlpNameKind.Counter, "_2xx_responses_total")]
    [InlineData("temperature", "Cel", OtlpNameKind.Gauge, "temperature_celsius")]
    [InlineData("weird..name__", "widgets", OtlpNameKind.Gauge, "weird_name_widgets")]
    public void Metric_names_get_unit_and_type_suffixes(string name, string unit, OtlpNameKind kind, string expected) =>
        Assert.Equal(expected, OtlpNames.MetricName(name, unit, kind));

    [Theory]
    [InlineData("http.method", "http_method")]
    [InlineData("service-version", "service_version")]
    [InlineData("0zone", "key_0zone")]
    [InlineData("_private", "key_private")]
    [InlineData("__reserved", "__reserved")]
    [InlineData("ünïcode", "key_n_code")]
    public void Label_names_are_sanitised(string key, string expected) => Assert.Equal(expected, OtlpNames.LabelName(key));
}
