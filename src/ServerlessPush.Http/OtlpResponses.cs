using Google.Protobuf;
using Code = Google.Rpc.Code;
using Status = Google.Rpc.Status;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using ServerlessPush.Core;
using ServerlessPush.Core.Otlp;

namespace ServerlessPush.Http;

/// <summary>The two OTLP request encodings, and the media types their answers carry.</summary>
public enum OtlpEncoding
{
    Protobuf,
    Json,
}

/// <summary>
/// Answers as OTLP/HTTP specifies them: success is an <c>ExportMetricsServiceResponse</c> (with
/// <c>partial_success</c> when points were left out), an error a <c>google.rpc.Status</c>, both in the
/// request's encoding. 503 carries Retry-After, the one status here an exporter retries.
/// </summary>
public static class OtlpResponses
{
    public const string ProtobufMediaType = "application/x-protobuf";
    public const string JsonMediaType = "application/json";

    public static Task SuccessAsync(HttpResponse response, OtlpEncoding encoding, long rejectedPoints, string? reason, CancellationToken cancellationToken)
    {
        var answer = new ExportMetricsServiceResponse();
        if (rejectedPoints > 0 || reason is not null)
        {
            answer.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = rejectedPoints, ErrorMessage = reason ?? string.Empty };
        }
        return WriteAsync(response, StatusCodes.Status200OK, encoding, answer, cancellationToken);
    }

    /// <summary>
    /// A <see cref="Rejection"/> as OTLP/HTTP answers it: its status with a <c>google.rpc.Status</c> body in
    /// the request's encoding, Retry-After for a 503, nothing for a client that went away. Noted on the
    /// request's <see cref="RequestTelemetry"/> like every other rejection, so it is logged and counted once.
    /// </summary>
    public static Task RejectAsync(HttpContext context, OtlpEncoding encoding, Rejection rejection, CancellationToken cancellationToken)
    {
        if (!Responses.BeginRejection(context, rejection))
        {
            return Task.CompletedTask;
        }
        var response = context.Response;
        var code = rejection.Status switch
        {
            StatusCodes.Status400BadRequest => Code.InvalidArgument,
            StatusCodes.Status401Unauthorized => Code.Unauthenticated,
            StatusCodes.Status403Forbidden => Code.PermissionDenied,
            StatusCodes.Status413PayloadTooLarge => Code.ResourceExhausted,
            StatusCodes.Status415UnsupportedMediaType => Code.InvalidArgument,
            StatusCodes.Status503ServiceUnavailable => Code.Unavailable,
            _ => Code.Unknown,
        };
        return WriteAsync(response, rejection.Status, encoding, new Status { Code = (int)code, Message = rejection.Message }, cancellationToken);
    }

    private static Task WriteAsync(HttpResponse response, int status, OtlpEncoding encoding, IMessage message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        byte[] body;
        if (encoding == OtlpEncoding.Json)
        {
            response.ContentType = JsonMediaType;
            body = System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(message));
        }
        else
        {
            response.ContentType = ProtobufMediaType;
            body = message.ToByteArray();
        }
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, cancellationToken).AsTask();
    }
}
