using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;
using ServerlessPush.Http.WebPage;

namespace ServerlessPush.Http;

/// <summary>
/// <c>GET /</c>: the groups as a web page, <c>GET /status</c>: the status page, and <c>GET /static/serverlesspush.{css,js}</c>: their two
/// assets, embedded in this assembly (no CDN: the gateway works in a closed network).
/// Served with a strict Content-Security-Policy: scripts, styles and fetches from this origin only,
/// no inline code, no framing.
/// </summary>
public sealed class WebPageEndpoint(
    ScrapeService scrape,
    IGroupStore store,
    AccessControl access,
    IOptions<GatewayOptions> gatewayOptions,
    StorageDescription storage,
    TimeProvider time,
    ILogger<WebPageEndpoint> logger)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public const string StaticPrefix = "/static/";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly IReadOnlyDictionary<string, Asset> Assets = LoadAssets();

    /// <summary>Changes whenever an asset does; the page appends it to the asset URLs (<c>?v=</c>).</summary>
    public static string AssetVersion { get; } = ComputeVersion();

    public async Task PageAsync(HttpContext context)
    {
        // Reading needs the read right (a browser asks for the key through the Basic challenge);
        // the static script and style hold nothing and stay open.
        if (await access.AuthorizeScopedAsync(context, AccessRight.Read).ConfigureAwait(false) is not { } scope)
        {
            return;
        }
        var response = context.Response;
        var (selection, selectionError) = SelectionQuery.Read(context.Request, scope);
        if (selection is null)
        {
            await Responses.RejectAsync(context, Rejection.BadRequest(selectionError!, RejectionReason.Parse), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var query = WebPageQuery.Create(context.Request.Query["q"].FirstOrDefault(), context.Request.Query["page"].FirstOrDefault());
        var sort = WebPageSort.Create(context.Request.Query["sort"].FirstOrDefault(), context.Request.Query["dir"].FirstOrDefault());
        // The delete of the filtered set is offered to admins only (it uses the admin API); asking does not challenge.
        var canDeleteSet = access.TryAuthorize(context, AccessRight.Admin, out _);
        // A storage fault escapes to RequestDeadlineGuard, which answers 503.
        var groups = await scrape.ListGroupsAsync(selection, context.RequestAborted).ConfigureAwait(false);
        // Decided before the first byte; the template then writes straight into the response.
        var model = WebPageRenderer.Model(groups, query, time.GetUtcNow(), AssetVersion, sort, canDeleteSet);
        StartHtml(context.Response);
        await WebPageRenderer.RenderAsync(context.Response.BodyWriter, model, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>GET /status</c>: build, settings and storage health as a page (read right, like the page).</summary>
    public async Task StatusPageAsync(HttpContext context)
    {
        if (!await access.AuthorizeAsync(context, AccessRight.Read).ConfigureAwait(false))
        {
            return;
        }
        var started = time.GetTimestamp();
        StorageHealth health;
        try
        {
            await store.CheckAvailableAsync(context.RequestAborted).ConfigureAwait(false);
            health = new StorageHealth(true, time.GetElapsedTime(started), null);
        }
        catch (StorageUnavailableException e)
        {
            // Shown on the page; the stack trace only at debug, as for every storage fault.
            logger.LogWarning("Storage unavailable while rendering the status page: {Reason}", e.Message);
            logger.LogDebug(e, "Storage fault on the status page");
            health = new StorageHealth(false, time.GetElapsedTime(started), e.Message);
        }
        var model = new StatusPageModel(
            typeof(WebPageEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}), {Environment.ProcessorCount} CPUs, process {Environment.ProcessId}",
            _started,
            gatewayOptions.Value,
            access.Describe(),
            storage.Container,
            storage.Endpoint,
            health,
            time.GetUtcNow(),
            AssetVersion);
        StartHtml(context.Response);
        await StatusPage.Create(model).RenderAsync(context.Response.BodyWriter, WebPageRenderer.Encoder, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The headers of an HTML answer, set before its body streams (they cannot change once it has started).</summary>
    private static void StartHtml(HttpResponse response)
    {
        SetSecurityHeaders(response);
        response.Headers.CacheControl = "no-store";
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
    }

    /// <param name="file">The name after <c>/static/</c>.</param>
    public Task StaticAsync(HttpContext context, string file)
    {
        var response = context.Response;
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Responses.NotFoundAsync(response);
        }
        SetSecurityHeaders(response);
        response.Headers.ETag = asset.ETag;
        // Versioned URLs (?v=) may be cached for long; the page itself is never cached.
        response.Headers.CacheControl = context.Request.Query.ContainsKey("v") ? "public, max-age=31536000, immutable" : "no-cache";
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    private static Dictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(WebPageEndpoint).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("serverlesspush.css", "text/css; charset=utf-8"), ("serverlesspush.js", "text/javascript; charset=utf-8") })
        {
            using var stream = assembly.GetManifestResourceStream("ServerlessPush.WebPage." + name)
                ?? throw new InvalidOperationException($"Embedded web page asset {name} is missing");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            assets[name] = new Asset(bytes, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }
        return assets;
    }

    private static string ComputeVersion() =>
        Convert.ToHexStringLower(SHA256.HashData(Assets.Values.SelectMany(a => a.Content).ToArray()))[..12];
}
