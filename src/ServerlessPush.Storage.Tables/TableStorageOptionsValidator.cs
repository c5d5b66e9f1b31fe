using Microsoft.Extensions.Options;

namespace ServerlessPush.Storage.Tables;

/// <summary>Refuses to start without storage, or with retry or concurrency settings the SDK cannot use.</summary>
public sealed class TableStorageOptionsValidator : IValidateOptions<TableStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, TableStorageOptions options)
    {
        var errors = new List<string>();
        // Checked here, not when the client is first built: the Functions app builds it on first use.
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.ServiceUri is null)
        {
            errors.Add("No table storage configured: set Gateway:Tables:ConnectionString (e.g. UseDevelopmentStorage=true) or Gateway:Tables:ServiceUri (app settings Gateway__Tables__…).");
        }
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
