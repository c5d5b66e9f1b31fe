using Google.Protobuf;
using Code = Google.Rpc.Code;
using Status = Google.Rpc.Status;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Proto.Collector.Metrics.V1;
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

    public static Task ErrorAsync(HttpResponse response, int status, OtlpEncoding encoding, string message, CancellationToken cancellationToken)
    {
        var code = status switch
        {
            StatusCodes.Status400BadRequest => Code.InvalidArgument,
            StatusCodes.Status413PayloadTooLarge => Code.ResourceExhausted,
            StatusCodes.Status415UnsupportedMediaType => Code.InvalidArgument,
            StatusCodes.Status503ServiceUnavailable => Code.Unavailable,
            _ => Code.Unknown,
        };
        return WriteAsync(response, status, encoding, new Status { Code = (int)code, Message = message }, cancellationToken);
    }

    /// <summary>Storage is down, throttling or too slow: 503 with Retry-After, never a false success; nothing for a client that went away.</summary>
    public static Task UnavailableAsync(HttpResponse response, OtlpEncoding encoding, string message)
    {
        if (RequestDeadline.ClientGone(response.HttpContext))
        {
            return Task.CompletedTask;
        }
        response.Headers.RetryAfter = "5";
        return ErrorAsync(response, StatusCodes.Status503ServiceUnavailable, encoding, message, CancellationToken.None);
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
