using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.LocalHost;

/// <summary>
/// The gateway's metrics and spans (<see cref="GatewayTelemetry"/>) in the local host, exported by
/// setting <c>Telemetry:Exporter</c>: <c>none</c> (the default), <c>console</c>, or <c>otlp</c> (to
/// <c>Telemetry:OtlpEndpoint</c>, else the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, else the
/// collector's default <c>http://localhost:4317</c>).
/// </summary>
public static class LocalTelemetry
{
    public const string ExporterSetting = "Telemetry:Exporter";
    public const string OtlpEndpointSetting = "Telemetry:OtlpEndpoint";

    public static IServiceCollection AddLocalTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var exporter = configuration[ExporterSetting]?.Trim().ToLowerInvariant() ?? "none";
        if (exporter is "" or "none")
        {
            return services;
        }
        if (exporter is not ("console" or "otlp"))
        {
            throw new InvalidOperationException($"{ExporterSetting} is \"{exporter}\": use none, console or otlp.");
        }
        var endpoint = configuration[OtlpEndpointSetting] is { Length: > 0 } configured ? new Uri(configured) : null;
        services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayTelemetry.Name);
                if (exporter == "console")
                {
                    metrics.AddConsoleExporter();
                }
                else
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = endpoint ?? o.Endpoint);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(GatewayTelemetry.Name);
                if (exporter == "console")
                {
                    tracing.AddConsoleExporter();
                }
                else
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = endpoint ?? o.Endpoint);
                }
            });
        return services;
    }
}
