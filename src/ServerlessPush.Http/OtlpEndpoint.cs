using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using ServerlessPush.Core;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Otlp;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary>
/// <c>POST /v1/metrics</c>: an OTLP/HTTP metrics export (protobuf or JSON, gzip or not), stored as
/// one push per resource through <see cref="PushService"/>, with the push's right, limits, TTL header
/// and checks. Every group is translated and checked before any is written, so bad input stores nothing.
/// </summary>
public sealed class OtlpEndpoint(PushService pushes, IOptions<GatewayOptions> options, AccessControl access)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        var encoding = EncodingOf(request.ContentType);
        if (!await CrossSiteRequests.AllowAsync(context).ConfigureAwait(false)
            || await access.AuthorizeScopedAsync(context, AccessRight.Push).ConfigureAwait(false) is not { } scope)
        {
            return;
        }
        if (encoding is null)
        {
            await OtlpResponses.RejectAsync(context, OtlpEncoding.Protobuf, new Rejection(StatusCodes.Status415UnsupportedMediaType,
                $"unsupported Content-Type \"{request.ContentType}\": OTLP/HTTP sends {OtlpResponses.ProtobufMediaType} or {OtlpResponses.JsonMediaType}",
                RejectionReason.Parse), cancellationToken).ConfigureAwait(false);
            return;
        }
        var answerAs = encoding.Value;
        var gateway = options.Value;
        try
        {
            var body = await RequestBody.ReadAsync(request, gateway, RequestDeadline.ClientAbortedOf(context)).ConfigureAwait(false);
            cancellationToken = RequestDeadline.Of(context)?.Restart() ?? cancellationToken;
            if ((body.Rejection ?? (body.TrailingError is null ? null : Rejection.BadRequest("request body does not decode: " + body.TrailingError, RejectionReason.Parse))) is { } bodyRejection)
            {
                await OtlpResponses.RejectAsync(context, answerAs, bodyRejection, cancellationToken).ConfigureAwait(false);
                return;
            }

            var (ttl, ttlRejection) = PushTtl.Parse(request.Headers[PushTtl.HeaderName].ToString(), gateway.MaxGroupTtl);
            var (mode, modeError) = ModeOf(request.Headers[OtlpTranslator.ModeHeader].ToString(), gateway.Otlp);
            if ((ttlRejection ?? (modeError is null ? null : Rejection.BadRequest(modeError, RejectionReason.Parse))) is { } headerRejection)
            {
                await OtlpResponses.RejectAsync(context, answerAs, headerRejection, cancellationToken).ConfigureAwait(false);
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
                await OtlpResponses.RejectAsync(context, answerAs, Rejection.BadRequest(e.Message, RejectionReason.Parse), cancellationToken).ConfigureAwait(false);
                return;
            }

            foreach (var group in translation.Groups)
            {
                // A key scoped to jobs stores nothing unless every resource's job is one of them.
                if (!scope.Allows(group.Key.Job))
                {
                    await OtlpResponses.RejectAsync(context, answerAs, AccessControl.OutOfScope(group.Key.Job, scope), cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (Check(group, gateway.Limits) is { } limitRejection)
                {
                    await OtlpResponses.RejectAsync(context, answerAs, limitRejection with { Message = $"group {group.Key}: {limitRejection.Message}" }, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            var rejected = translation.RejectedPoints;
            var reason = translation.RejectionReason;
            Rejection? firstRejection = null;
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
                reason ??= $"group {group.Key}: {outcome.Rejection!.Message}";
                firstRejection ??= outcome.Rejection;
            }
            if (stored == 0 && reason is not null)
            {
                // Nothing was stored: the data is bad as a whole, and a retry would be refused again.
                await OtlpResponses.RejectAsync(context, answerAs, Rejection.BadRequest(reason, firstRejection?.Reason ?? RejectionReason.Consistency), cancellationToken).ConfigureAwait(false);
                return;
            }
            await OtlpResponses.SuccessAsync(response, answerAs, rejected, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // Answered here rather than by RequestDeadlineGuard: OTLP/HTTP wants a Status body in the request's encoding.
            await OtlpResponses.RejectAsync(context, answerAs, Responses.Unavailable(e.Message, options.Value.RetryAfter), CancellationToken.None).ConfigureAwait(false);
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
    private static Rejection? Check(OtlpGroup group, PushLimits limits) =>
        PushLimitChecker.CheckGroupingKey(group.Key, limits)
        ?? PushLimitChecker.CheckFamilies(group.Families, limits)
        ?? PushLimitChecker.CheckFamilyCount(group.Families, limits);
}
