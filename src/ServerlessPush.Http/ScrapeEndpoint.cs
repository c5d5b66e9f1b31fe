using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessPush.Core;
using ServerlessPush.Core.Exposition;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Telemetry;

namespace ServerlessPush.Http;

/// <summary>
/// <c>GET /metrics</c>: text 0.0.4 or protobuf as the Accept header asks (OpenMetrics too when enabled), gzip when asked;
/// only the groups of <c>match[]</c> selectors when given, and only a scoped key's jobs.
/// </summary>
public sealed class ScrapeEndpoint(ScrapeService scrape, IOptions<GatewayOptions> options, AccessControl access)
{
    /// <summary>A gzip member holding nothing: header, an empty final deflate block, CRC 0, size 0.</summary>
    private static readonly byte[] EmptyGzipMember = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        if (await access.AuthorizeScopedAsync(context, AccessRight.Read).ConfigureAwait(false) is not { } scope)
        {
            return;
        }
        var (selection, selectionError) = SelectionQuery.Read(request, scope);
        if (selection is null)
        {
            await Responses.RejectAsync(context, Rejection.BadRequest(selectionError!, RejectionReason.Parse), cancellationToken).ConfigureAwait(false);
            return;
        }
        var negotiated = ScrapeNegotiation.Negotiate(request.Headers.Accept.ToString(), request.Headers.AcceptEncoding.ToString(), options.Value.Scrape.OpenMetrics, options.Value.EnableUtf8Names);

        // A storage fault escapes to RequestDeadlineGuard, which answers 503.
        var variant = new ScrapeVariant(negotiated.Format, options.Value.Scrape.NativeHistogramsAsClassic, negotiated.Escaping);
        var scraped = await scrape.RenderAsync(selection, variant, cancellationToken).ConfigureAwait(false);

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = negotiated.ContentType;
        if (negotiated.Gzip && scraped.IsEmpty)
        {
            // Nothing to write (no groups): GZipStream would then emit no bytes at all, and an empty
            // body declared gzip fails the scrape ("gzip: EOF" in Prometheus). Send an empty member.
            response.Headers.ContentEncoding = "gzip";
            await response.Body.WriteAsync(EmptyGzipMember, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
            GatewayTelemetry.ScrapeSize.Record(EmptyGzipMember.Length);
            return;
        }
        var counted = new CountingStream(response.Body);
        Stream body = counted;
        GZipStream? gzip = null;
        if (negotiated.Gzip)
        {
            response.Headers.ContentEncoding = "gzip";
            gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true);
            body = gzip;
        }
        try
        {
            // Storage is done: the download is bounded by the client, not by the deadline.
            await scraped.WriteAsync(body, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync().ConfigureAwait(false);
            }
            GatewayTelemetry.ScrapeSize.Record(counted.Written);
        }
    }
}
