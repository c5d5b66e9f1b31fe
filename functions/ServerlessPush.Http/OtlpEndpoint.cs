using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Otlp;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary>
/// <c>POST /v1/metrics</c>: an OTLP/HTTP metrics export (protobuf or JSON, gzip or not), stored as
/// one push per resource through <see cref="PushService"/>, with the push's right, limits, TTL header
/// and checks. Every group is translated and checked before any is written, so bad input stores nothing.
/// </summary>
public sealed class OtlpEndpoint(PushService pushes, IOptions<GatewayOptions> options, AccessControl access, ILogger<OtlpEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        var encoding = EncodingOf(request.ContentType);
        if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false)
            || !await access.AuthorizeAsync(context, AccessRight.Push).ConfigureAwait(false))
        {
            return;
        }
        if (encoding is null)
        {
            await OtlpResponses.ErrorAsync(response, StatusCodes.Status415UnsupportedMediaType, OtlpEncoding.Protobuf,
                $"unsupported Content-Type \"{request.ContentType}\": OTLP/HTTP sends {OtlpResponses.ProtobufMediaType} or {OtlpResponses.JsonMediaType}",
                cancellationToken).ConfigureAwait(false);
            return;
        }
        var answerAs = encoding.Value;
        var gateway = options.Value;
        try
        {
            var body = await RequestBody.ReadAsync(request, gateway, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
            cancellationToken = RequestDeadline.Of(context)?.Restart() ?? cancellationToken;
            if (body.Error is not null || body.TrailingError is not null)
            {
                await OtlpResponses.ErrorAsync(response, body.Error is null ? StatusCodes.Status400BadRequest : body.Status, answerAs,
                    body.Error ?? "request body does not decode: " + body.TrailingError, cancellationToken).ConfigureAwait(false);
                return;
            }

            var (ttl, ttlError) = PushTtl.Parse(request.Headers[PushTtl.HeaderName].ToString(), gateway.MaxGroupTtl);
            var (mode, modeError) = ModeOf(request.Headers[OtlpTranslator.ModeHeader].ToString(), gateway.Otlp);
            if ((ttlError ?? modeError) is { } headerError)
            {
                await OtlpResponses.ErrorAsync(response, StatusCodes.Status400BadRequest, answerAs, headerError, cancellationToken).ConfigureAwait(false);
                return;
            }

            OtlpTranslation translation;
            try
            {
                var export = answerAs == OtlpEncoding.Json
                    ? OtlpJson.ParseRequest(body.Body!)
                    : ParseProtobuf(body.Body!);
                translation = OtlpTranslator.Translate(export, gateway.Otlp);
            }
            catch (OtlpRequestException e)
            {
                await OtlpResponses.ErrorAsync(response, StatusCodes.Status400BadRequest, answerAs, e.Message, cancellationToken).ConfigureAwait(false);
                return;
            }

            foreach (var group in translation.Groups)
            {
                var (status, error) = Check(group, gateway.Limits);
                if (error is not null)
                {
                    await OtlpResponses.ErrorAsync(response, status, answerAs, $"group {group.Key}: {error}", cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            var rejected = translation.RejectedPoints;
            var reason = translation.RejectionReason;
            var stored = 0;
            foreach (var group in translation.Groups)
            {
                var outcome = await pushes.PushAsync(group.Key, group.Families, mode, ttl, group.DeltaFamilies, cancellationToken).ConfigureAwait(false);
                if (outcome.Accepted)
                {
                    stored++;
                    continue;
                }
                rejected += group.Points;
                reason ??= $"group {group.Key}: {outcome.Error}";
            }
            if (stored == 0 && reason is not null)
            {
                // Nothing was stored: the data is bad as a whole, and a retry would be refused again.
                await OtlpResponses.ErrorAsync(response, StatusCodes.Status400BadRequest, answerAs, reason, cancellationToken).ConfigureAwait(false);
                return;
            }
            await OtlpResponses.SuccessAsync(response, answerAs, rejected, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Storage unavailable during OTLP export {Path}", request.Path);
            await OtlpResponses.UnavailableAsync(response, answerAs, e.Message).ConfigureAwait(false);
        }
    }

    /// <summary>The request's encoding by media type (parameters ignored), or null for anything else (415).</summary>
    public static OtlpEncoding? EncodingOf(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return null;
        }
        return media.MediaType?.ToLowerInvariant() switch
        {
            OtlpResponses.ProtobufMediaType or "application/protobuf" => OtlpEncoding.Protobuf,
            OtlpResponses.JsonMediaType => OtlpEncoding.Json,
            _ => null,
        };
    }

    private static (PushMode Mode, string? Error) ModeOf(string header, OtlpOptions otlp) => header.Trim().ToLowerInvariant() switch
    {
        "" => (otlp.Merge ? PushMode.Merge : PushMode.Replace, null),
        "replace" => (PushMode.Replace, null),
        "merge" => (PushMode.Merge, null),
        _ => (PushMode.Replace, $"invalid {OtlpTranslator.ModeHeader} \"{header}\": replace or merge"),
    };

    private static ExportMetricsServiceRequest ParseProtobuf(byte[] body)
    {
        try
        {
            return ExportMetricsServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OtlpRequestException("request body is not a protobuf ExportMetricsServiceRequest: " + e.Message);
        }
    }

    /// <summary>The push's own limits, as a push to the group's path would be checked.</summary>
    private static (int Status, string? Error) Check(OtlpGroup group, PushLimits limits)
    {
        if (PushLimitChecker.CheckGroupingKey(group.Key, limits) is { } keyError)
        {
            return (StatusCodes.Status400BadRequest, keyError);
        }
        if (PushLimitChecker.CheckFamilies(group.Families, limits) is { } familiesError)
        {
            return (StatusCodes.Status400BadRequest, familiesError);
        }
        return PushLimitChecker.CheckFamilyCount(group.Families, limits) is { } countError
            ? (StatusCodes.Status413PayloadTooLarge, countError)
            : (StatusCodes.Status200OK, null);
    }
}
