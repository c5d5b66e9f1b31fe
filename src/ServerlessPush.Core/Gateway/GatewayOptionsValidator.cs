using Microsoft.Extensions.Options;

namespace ServerlessPush.Core.Gateway;

/// <summary>Refuses to start with deadlines or concurrency that cannot work (checked at start-up, not at the first request).</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (options.RequestDeadline <= TimeSpan.Zero || options.RequestDeadline > Longest)
        {
            errors.Add($"Gateway:RequestDeadline must be more than 0 and at most {Longest} (is {options.RequestDeadline}).");
        }
        if (options.BulkRequestDeadline <= TimeSpan.Zero || options.BulkRequestDeadline > Longest)
        {
            errors.Add($"Gateway:BulkRequestDeadline must be more than 0 and at most {Longest} (is {options.BulkRequestDeadline}).");
        }
        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromHours(1))
        {
            errors.Add($"Gateway:RetryAfter must be 1 s to 1 h (is {options.RetryAfter}).");
        }
        if (options.MaxStorageCallsPerRequest is < 1 or > 1024)
        {
            errors.Add($"Gateway:MaxStorageCallsPerRequest must be 1 to 1024 (is {options.MaxStorageCallsPerRequest}).");
        }
        errors.AddRange(StalePolicy.Validate(options.Expiry.Stale));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
