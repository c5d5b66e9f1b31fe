using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessPush.LocalHost;

namespace ServerlessPush.Gateway.Tests.Telemetry;

/// <summary>The local host's exporter setting: nothing by default, console or OTLP by setting, anything else refused at start.</summary>
public sealed class LocalTelemetryTests
{
    private static IServiceProvider Build(string? exporter)
    {
        var app = LocalGatewayHost.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Never connected to: the providers are only built.
            ["Gateway:Tables:ConnectionString"] = "UseDevelopmentStorage=true",
            [LocalTelemetry.ExporterSetting] = exporter,
            [LocalTelemetry.OtlpEndpointSetting] = "http://127.0.0.1:4317",
        }));
        return app.Services;
    }

    [Fact]
    public void No_exporter_by_default()
    {
        var services = Build(null);
        Assert.Null(services.GetService<MeterProvider>());
        Assert.Null(services.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("console")]
    [InlineData("otlp")]
    [InlineData("OTLP")]
    public void Console_or_otlp_export_the_gateway_meter_and_spans(string exporter)
    {
        var services = Build(exporter);
        Assert.NotNull(services.GetService<MeterProvider>());
        Assert.NotNull(services.GetService<TracerProvider>());
    }

    [Fact]
    public void An_unknown_exporter_is_refused_at_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Build("zipkin"));
        Assert.Contains("none, console or otlp", e.Message, StringComparison.Ordinal);
    }
}
