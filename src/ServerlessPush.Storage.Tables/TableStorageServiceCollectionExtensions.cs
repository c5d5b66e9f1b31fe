using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Storage.Tables;

/// <summary>Table Storage as the gateway's store: both hosts' composition roots call this next to the gateway's own services.</summary>
public static class TableStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IGroupStore"/> and <see cref="IMetricTypeIndex"/> over one table (section
    /// <see cref="TableStorageOptions.SectionName"/>, validated at start), the request counter and the
    /// status page's <see cref="StorageDescription"/>. The table client is created on first use, not
    /// at start-up: a Functions host must initialise fast.
    /// </summary>
    public static IServiceCollection AddTableStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TableStorageOptions>().Bind(configuration.GetSection(TableStorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TableStorageOptions>, TableStorageOptionsValidator>();
        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton(sp => TableClientFactory.Create(
            sp.GetRequiredService<IOptions<TableStorageOptions>>().Value,
            sp.GetRequiredService<StorageRequestCounter>()));
        services.AddSingleton<IGroupStore>(sp => new TableGroupStore(
            sp.GetRequiredService<TableClient>(),
            sp.GetRequiredService<IOptions<TableStorageOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TableGroupStore>>()));
        services.AddSingleton<IMetricTypeIndex>(sp => new TableMetricTypeIndex(
            sp.GetRequiredService<TableClient>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxStorageCallsPerRequest));
        services.AddSingleton(sp => Describe(sp.GetRequiredService<IOptions<TableStorageOptions>>().Value));
        return services;
    }

    // Never the connection string: it may hold the account key.
    private static StorageDescription Describe(TableStorageOptions options) => new(
        options.TableName,
        options.ServiceUri is { } uri ? uri.GetLeftPart(UriPartial.Authority) + " (managed identity)"
            : options.ConnectionString is null ? "not configured" : "from a connection string");
}
