// Export with the OpenTelemetry SDK (dotnet add package OpenTelemetry.Exporter.OpenTelemetryProtocol).
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

public static class OpenTelemetryExport
{
    /// <param name="gatewayUrl">https://&lt;app&gt;.azurewebsites.net</param>
    /// <param name="key">A push key, or null when the gateway allows anonymous pushes.</param>
    public static void Run(string gatewayUrl, string? key)
    {
        using var meter = new Meter("Backup");
        // The five lines a job adds: its group is job="nightly/backup", instance="db-1".
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter("Backup")
            .ConfigureResource(r => r.AddService("backup", serviceNamespace: "nightly", serviceInstanceId: "db-1"))
            .AddOtlpExporter(o => { o.Endpoint = new Uri(gatewayUrl + "/v1/metrics"); o.Protocol = OtlpExportProtocol.HttpProtobuf; o.Headers = key is null ? null : "Authorization=Bearer " + key; })
            .AddView("backup.latency", new Base2ExponentialBucketHistogramConfiguration()) // an exponential (native) histogram
            .AddView("backup.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [1, 5, 30] }).Build();

        meter.CreateCounter<long>("backup.files", "{file}", "Files backed up.").Add(42);
        meter.CreateUpDownCounter<long>("backup.queue", "{file}", "Files waiting.").Add(-3);
        meter.CreateGauge<double>("backup.size", "By", "Size of the backup.").Record(1234);
        meter.CreateHistogram<double>("backup.duration", "s", "Backup duration.").Record(3.2);
        var latency = meter.CreateHistogram<double>("backup.latency", "ms", "Write latency.");
        foreach (var ms in new[] { 0.0, 1.5, 3, 3, 70 })
        {
            latency.Record(ms);
        }
        // A batch job exports once, at the end; ForceFlush says whether the gateway took it.
        if (!meters.ForceFlush(10_000))
        {
            throw new InvalidOperationException("the OTLP export failed");
        }
    }
}
