namespace ServerlessPush.Storage.Tables;

/// <summary>
/// Where the groups live. Configuration section <c>Gateway:Tables</c>
/// (app settings <c>Gateway__Tables__…</c>). Either a connection string (Azurite, local runs)
/// or a table service endpoint reached with Entra ID (managed identity in Azure).
/// </summary>
public sealed class TableStorageOptions
{
    public const string SectionName = "Gateway:Tables";

    /// <summary>A storage connection string; <c>UseDevelopmentStorage=true</c> for Azurite. Wins over <see cref="ServiceUri"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table endpoint, e.g. <c>https://account.table.core.windows.net</c>, used with a token credential.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Client id of the user-assigned managed identity; when empty, <c>DefaultAzureCredential</c> decides.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The one table that holds every group and its indexes.</summary>
    public string TableName { get; set; } = "pushgroups";

    /// <summary>Create the table on first use (local runs and tests; in Azure, Bicep creates it).</summary>
    public bool CreateTableIfMissing { get; set; }

    /// <summary>The SDK's retries and per-try timeout (section <c>Gateway:Tables:Retry</c>).</summary>
    public TableRetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Storage calls the whole process has in flight at once; more wait (within their request's deadline)
    /// instead of opening more connections. Bounds the sockets and buffers of the SDK whatever the load.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>
    /// How long a write to one group waits for the other writers to that group (queued on this
    /// instance, retried against other instances' ETags) before it answers 503 "busy". Within the
    /// request's deadline; raise both where large groups are written concurrently.
    /// </summary>
    public TimeSpan ContendedWriteBudget { get; set; } = TimeSpan.FromSeconds(5);
}
