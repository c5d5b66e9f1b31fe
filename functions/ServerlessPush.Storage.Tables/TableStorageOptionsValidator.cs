using Microsoft.Extensions.Options;

namespace ServerlessPush.Storage.Tables;

/// <summary>Refuses to start with retry or concurrency settings the SDK cannot use.</summary>
public sealed class TableStorageOptionsValidator : IValidateOptions<TableStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, TableStorageOptions options)
    {
        var errors = new List<string>();
        var retry = options.Retry;
        if (retry.MaxRetries is < 0 or > 10)
        {
            errors.Add($"Gateway:Tables:Retry:MaxRetries must be 0 to 10 (is {retry.MaxRetries}).");
        }
        if (retry.Delay < TimeSpan.Zero || retry.MaxDelay < retry.Delay)
        {
            errors.Add($"Gateway:Tables:Retry:Delay must be at least 0 and at most MaxDelay (are {retry.Delay} and {retry.MaxDelay}).");
        }
        if (retry.NetworkTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Gateway:Tables:Retry:NetworkTimeout must be more than 0 (is {retry.NetworkTimeout}).");
        }
        if (options.MaxConcurrentRequests < 1)
        {
            errors.Add($"Gateway:Tables:MaxConcurrentRequests must be at least 1 (is {options.MaxConcurrentRequests}).");
        }
        if (options.ContendedWriteBudget <= TimeSpan.Zero)
        {
            errors.Add($"Gateway:Tables:ContendedWriteBudget must be more than 0 (is {options.ContendedWriteBudget}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
