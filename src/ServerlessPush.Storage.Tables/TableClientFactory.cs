using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;

namespace ServerlessPush.Storage.Tables;

/// <summary>Builds the one <see cref="TableClient"/> the store shares: connection string locally, endpoint + Entra ID in Azure.</summary>
public static class TableClientFactory
{
    /// <param name="faultPolicy">An extra per-try policy (tests hold or fail chosen requests with it); null in production.</param>
    public static TableClient Create(TableStorageOptions options, StorageRequestCounter? counter = null, HttpPipelinePolicy? faultPolicy = null)
    {
        var clientOptions = NewClientOptions(options.Retry, counter);
        // First in the pipeline, so a call holds its slot through the table re-creation below and its retries.
        clientOptions.AddPolicy(new StorageConcurrencyLimiter(options.MaxConcurrentRequests), HttpPipelinePosition.PerCall);
        if (faultPolicy is not null)
        {
            clientOptions.AddPolicy(faultPolicy, HttpPipelinePosition.PerRetry);
        }
        if (options.CreateTableIfMissing)
        {
            // A second client, without the policies, creates the table when a request finds it gone
            // (without the limiter too: a call holding a slot must not wait for another).
            var creator = CreateService(options, NewClientOptions(options.Retry, counter)).GetTableClient(options.TableName);
            clientOptions.AddPolicy(new TableRecreationPolicy(ct => creator.CreateIfNotExistsAsync(ct)), HttpPipelinePosition.PerCall);
        }
        return CreateService(options, clientOptions).GetTableClient(options.TableName);
    }

    private static TableClientOptions NewClientOptions(TableRetryOptions retry, StorageRequestCounter? counter)
    {
        var clientOptions = new TableClientOptions();
        // Bounded retries, and the request's deadline bounds them all: a stalled storage is a 503 in seconds.
        clientOptions.Retry.MaxRetries = retry.MaxRetries;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.Delay = retry.Delay;
        clientOptions.Retry.MaxDelay = retry.MaxDelay;
        clientOptions.Retry.NetworkTimeout = retry.NetworkTimeout;
        clientOptions.AddPolicy(StorageTelemetryPolicy.Instance, HttpPipelinePosition.PerRetry);
        if (counter is not null)
        {
            clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }
        return clientOptions;
    }

    private static TableServiceClient CreateService(TableStorageOptions options, TableClientOptions clientOptions)
    {
        TableServiceClient service;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            service = new TableServiceClient(options.ConnectionString, clientOptions);
        }
        else if (options.ServiceUri is not null)
        {
            TokenCredential credential = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
                ? new DefaultAzureCredential()
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
            service = new TableServiceClient(options.ServiceUri, credential, clientOptions);
        }
        else
        {
            throw new InvalidOperationException(
                "No table storage configured: set Gateway__Tables__ConnectionString (e.g. UseDevelopmentStorage=true) or Gateway__Tables__ServiceUri.");
        }
        return service;
    }
}
