using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessPush.FunctionsHost.Metadata;
using ServerlessPush.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace ServerlessPush.FunctionsHost.Http;

/// <summary>
/// The host's HTTP side: Kestrel on 127.0.0.1, then the host's middleware order as far as it
/// matters to an app: exception handling (500 when nothing was written yet), the home page for
/// <c>/</c> when no function takes it, function invocation, and last the function routes with
/// ASP.NET Core's template router (<see cref="Route"/> in a <see cref="RouteCollection"/>, first match
/// wins, in the order the worker reported the functions, with an
/// <see cref="HttpMethodRouteConstraint"/> for the methods). Nothing matched: 404 with an empty body.
/// </summary>
internal sealed class HttpFrontEnd : IAsyncDisposable
{
    /// <summary>The host's request body limit unless <c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c> says otherwise.</summary>
    public const long DefaultMaxRequestBodySize = 104_857_600;

    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _client;

    private HttpFrontEnd(WebApplication app, HttpMessageInvoker client, Uri baseAddress)
    {
        _app = app;
        _client = client;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<HttpFrontEnd> StartAsync(IReadOnlyList<FunctionDescriptor> functions, string routePrefix, Worker.InvocationDispatcher dispatcher,
        AppSettings settings, HostLog log, Func<HttpContext, Task>? observer, CancellationToken cancellationToken)
    {
        var port = FreePort.Get();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(new HostLogProvider(log, LogLevel.Warning));
        var bodyLimit = long.TryParse(settings["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit)
            ? limit : DefaultMaxRequestBodySize;
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            options.Limits.MaxRequestBodySize = bodyLimit;
        });
        builder.Services.AddRouting();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();

        // The host's proxy client: no redirects followed, no cookies, connect failures retried.
        var client = new HttpMessageInvoker(new RetryingProxyHandler(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, log));
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var homepageDisabled = string.Equals(settings["AzureWebJobsDisableHomepage"], "true", StringComparison.OrdinalIgnoreCase);

        if (observer is not null)
        {
            app.Use(async (context, next) =>
            {
                await observer(context).ConfigureAwait(false);
                await next(context).ConfigureAwait(false);
            });
        }
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                log.Write(LogLevel.Error, "Host.Http", $"An unhandled host error has occurred ({context.Request.Method} {context.Request.Path}{context.Request.QueryString}).", ex);
                if (context.Response.HasStarted)
                {
                    throw; // nothing to do but abort, as the host
                }
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        });
        app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            if (context.Request.Path.Value == "/" && context.Features.Get<MatchedFunction>() is null && !context.Response.HasStarted)
            {
                // The host's own page (a placeholder here), or 204 when disabled.
                if (homepageDisabled)
                {
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Functions test host: no function serves /.</body></html>").ConfigureAwait(false);
                }
            }
        });
        app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            if (context.Features.Get<MatchedFunction>() is not { } matched || context.Response.HasStarted)
            {
                return;
            }
            var function = matched.Function;
            if (function.State == FunctionState.Disabled)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (!function.AuthLevel.Equals("anonymous", StringComparison.OrdinalIgnoreCase))
            {
                // This host has no keys: a function-level or admin-level function is never authorised.
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await new HttpFunctionInvoker(dispatcher, forwarder, client).InvokeAsync(context, function).ConfigureAwait(false);
        });
        app.UseRouter(BuildRoutes(functions, routePrefix, app.Services.GetRequiredService<IInlineConstraintResolver>(), log));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new HttpFrontEnd(app, client, new Uri($"http://127.0.0.1:{port}/"));
    }

    private static RouteCollection BuildRoutes(IReadOnlyList<FunctionDescriptor> functions, string routePrefix, IInlineConstraintResolver resolver, HostLog log)
    {
        var routes = new RouteCollection();
        var mapped = new System.Text.StringBuilder("Initializing function HTTP routes\n");
        foreach (var function in functions.Where(f => f.IsHttpTrigger && f.State != FunctionState.InError))
        {
            var constraints = new Dictionary<string, object>();
            if (function.Methods is { } methods)
            {
                constraints.Add("httpMethod", new HttpMethodRouteConstraint(methods));
            }
            var template = string.IsNullOrEmpty(routePrefix) ? function.Route! : routePrefix + "/" + function.Route;
            var matched = new MatchedFunction(function);
            routes.Add(new Route(
                new RouteHandler(context =>
                {
                    context.Features.Set(matched);
                    return Task.CompletedTask;
                }),
                function.Name,
                template,
                new RouteValueDictionary(),
                constraints,
                new RouteValueDictionary { ["AZUREWEBJOBS_FUNCTIONNAME"] = function.Name },
                resolver));
            mapped.Append(CultureInfo.InvariantCulture, $"Mapped function route '{routePrefix}/{function.Route}' [{(function.Methods is null ? "all" : string.Join(',', function.Methods))}] to '{function.Name}'\n");
        }
        if (routes.Count == 0)
        {
            mapped.Append("No HTTP routes mapped\n");
        }
        log.Write(LogLevel.Information, "Host.Http", mapped.ToString().TrimEnd());
        return routes;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
    }
}

/// <summary>Set by a function's route when it matches: which function the request invokes.</summary>
internal sealed record MatchedFunction(FunctionDescriptor Function);
