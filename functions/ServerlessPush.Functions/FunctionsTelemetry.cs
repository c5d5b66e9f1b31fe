using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Functions;

/// <summary>
/// The worker's telemetry on one stack: OpenTelemetry, exported to Application Insights when the
/// app settings name a component. The Application Insights SDK (2.x, what
/// Microsoft.Azure.Functions.Worker.ApplicationInsights is built on) is not used: it cannot be
/// mixed with 3.x, and OpenTelemetry is the stack the Functions host itself switches to with
/// <c>"telemetryMode": "OpenTelemetry"</c> in host.json, so host and worker spans share one trace.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The setting the host also reads: <c>Authorization=AAD;ClientId=…</c> for Entra ID ingestion.</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IServiceCollection AddFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // The gateway's own meter and spans (GatewayTelemetry), beside the worker's.
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(GatewayTelemetry.Name))
            .WithTracing(tracing => tracing.AddSource(GatewayTelemetry.Name));
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services; // locally and in tests: nothing to export to
        }
        telemetry.UseAzureMonitorExporter(options =>
        {
            options.ConnectionString = connectionString;
            if (AadClientId(configuration[AuthenticationStringSetting]) is { } clientId)
            {
                // The component has local authentication off (Bicep): ingestion needs a token.
                options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            }
        });
        return services;
    }

    /// <summary>The client id in an authentication string such as <c>Authorization=AAD;ClientId=…</c>, if it asks for AAD.</summary>
    public static string? AadClientId(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }
        string? authorization = null, clientId = null;
        foreach (var part in authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }
            var (key, value) = (part[..eq].Trim(), part[(eq + 1)..].Trim());
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                authorization = value;
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            {
                clientId = value;
            }
        }
        return string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(clientId) ? clientId : null;
    }
}
