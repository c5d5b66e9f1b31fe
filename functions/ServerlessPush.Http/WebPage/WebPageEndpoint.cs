using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http.WebPage;

/// <summary>
/// <c>GET /</c>: the groups as a web page, and <c>GET /static/serverlesspush.{css,js}</c>: its two
/// assets, embedded in this assembly (no CDN: the gateway works in a closed network).
/// Served with a strict Content-Security-Policy: scripts, styles and fetches from this origin only,
/// no inline code, no framing.
/// </summary>
public sealed class WebPageEndpoint(ScrapeService scrape, AccessControl access, TimeProvider time, ILogger<WebPageEndpoint> logger)
{
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
        if (!await access.AuthorizeAsync(context, AccessRight.Read).ConfigureAwait(false))
        {
            return;
        }
        var response = context.Response;
        var query = WebPageQuery.Create(context.Request.Query["q"].FirstOrDefault(), context.Request.Query["page"].FirstOrDefault());
        List<MetricGroup> groups;
        try
        {
            groups = await scrape.ListGroupsAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Storage unavailable while rendering the web page");
            await Responses.UnavailableAsync(response, e.Message).ConfigureAwait(false);
            return;
        }
        var html = WebPageRenderer.Render(groups, query, time.GetUtcNow(), AssetVersion);
        SetSecurityHeaders(response);
        response.Headers.CacheControl = "no-store";
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
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
