using ServerlessPush.Http;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.LocalHost;

/// <summary>Builds the local host; tests call this to run the gateway in process on a loopback port.</summary>
public static class LocalGatewayHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddServerlessPushGateway(builder.Configuration).AddTableStorage(builder.Configuration);
        builder.Services.AddHostedService<ExpirySweepService>();
        configure?.Invoke(builder);
        builder.Services.AddLocalTelemetry(builder.Configuration);

        var app = builder.Build();
        // Every request goes through the reference's route table, as the Go router does.
        app.Run(app.Services.GetRequiredService<GatewayRouter>().HandleAsync);
        return app;
    }
}
