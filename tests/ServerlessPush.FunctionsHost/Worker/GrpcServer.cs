using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessPush.Testing;

namespace ServerlessPush.FunctionsHost.Worker;

/// <summary>
/// The host's gRPC server: Kestrel, HTTP/2 without TLS on 127.0.0.1, messages up to
/// <see cref="int.MaxValue"/> bytes both ways, serving <c>FunctionRpc</c> for one worker.
/// </summary>
internal sealed class GrpcServer : IAsyncDisposable
{
    public const int MaxMessageLength = int.MaxValue;

    private readonly WebApplication _app;

    private GrpcServer(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    /// <summary>http://127.0.0.1:PORT/ — what the worker gets as <c>--functions-uri</c>.</summary>
    public Uri Uri { get; }

    public static async Task<GrpcServer> StartAsync(WorkerChannel channel, HostLog log, CancellationToken cancellationToken)
    {
        var port = FreePort.Get();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(new HostLogProvider(log, LogLevel.Warning));
        builder.WebHost.UseKestrel(options =>
            options.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(channel);
        builder.Services.AddSingleton(log);
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageLength;
            options.MaxSendMessageSize = MaxMessageLength;
        });
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new GrpcServer(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
