using System.Buffers;
using Microsoft.AspNetCore.Http;
using ServerlessPush.Core;
using ServerlessPush.Core.Gateway;

namespace ServerlessPush.Http;

/// <summary>
/// Reads a push body whatever its Content-Type (never as a form), chunked or not, within the
/// gateway's limits, and decodes <c>Content-Encoding: gzip</c> or <c>snappy</c> without inflating
/// past the limit. No header or <c>identity</c> is read as sent; any other encoding is refused (400)
/// rather than parsed as if it were plain (the Pushgateway reads those raw).
/// </summary>
public static class RequestBody
{
    public static async Task<BodyReadResult> ReadAsync(HttpRequest request, GatewayOptions options, CancellationToken cancellationToken)
    {
        // Compared case-insensitively, as Pushgateway 1.6+ does.
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip" or "snappy"))
        {
            return BodyReadResult.Fail(Rejection.BadRequest(
                $"unsupported Content-Encoding \"{request.Headers.ContentEncoding}\": gzip, snappy and identity are read", RejectionReason.Parse));
        }
        if (request.ContentLength > options.MaxBodyBytes)
        {
            return BodyReadResult.Fail(Rejection.TooLarge($"request body larger than {options.MaxBodyBytes} bytes"));
        }
        var raw = await ReadLimitedAsync(request.Body, options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return BodyReadResult.Fail(Rejection.TooLarge($"request body larger than {options.MaxBodyBytes} bytes"));
        }
        if (encoding == "snappy")
        {
            var snappy = SnappyBody.Decode(raw, options.MaxDecompressedBytes);
            if (snappy.TooLarge)
            {
                return BodyReadResult.Fail(Rejection.TooLarge($"decompressed request body larger than {options.MaxDecompressedBytes} bytes"));
            }
            return snappy.Error is not null
                ? BodyReadResult.Fail(Rejection.BadRequest(snappy.Error, RejectionReason.Parse))
                : BodyReadResult.Ok(snappy.Data!);
        }
        if (encoding != "gzip")
        {
            return BodyReadResult.Ok(raw);
        }
        var gzip = GzipBody.Decode(raw, options.MaxDecompressedBytes);
        if (gzip.TooLarge)
        {
            return BodyReadResult.Fail(Rejection.TooLarge($"decompressed request body larger than {options.MaxDecompressedBytes} bytes"));
        }
        return gzip.HeaderError is not null
            ? BodyReadResult.Fail(Rejection.BadRequest(gzip.HeaderError, RejectionReason.Parse))
            : BodyReadResult.Ok(gzip.Data!) with { TrailingError = gzip.TrailingError };
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null if there is more.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}

/// <param name="TrailingError">A read error after <paramref name="Body"/> (a broken gzip stream), for the parser to report or not.</param>
public readonly record struct BodyReadResult(byte[]? Body, Rejection? Rejection, string? TrailingError = null)
{
    public static BodyReadResult Ok(byte[] body) => new(body, null);
    public static BodyReadResult Fail(Rejection rejection) => new(null, rejection);
}
