using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Http;

/// <summary>The one composition of the gateway, used by the Functions app and the local host alike.</summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddServerlessPushGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.Configure<AccessOptions>(configuration.GetSection(AccessOptions.SectionName));
        services.AddSingleton<AccessControl>();
        services.AddHostedService<AccessStartupLog>();
        services.AddOptions<TableStorageOptions>().Bind(configuration.GetSection(TableStorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TableStorageOptions>, TableStorageOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StorageRequestCounter>();

        // Created on first use, not at start-up: a Functions host must initialise fast.
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

        services.AddSingleton<PushService>();
        services.AddSingleton<ScrapeService>();
        services.AddSingleton<GroupDeletionService>();
        services.AddSingleton<ExpirySweeper>();
        services.AddSingleton<PushEndpoint>();
        services.AddSingleton<OtlpEndpoint>();
        services.AddSingleton<ScrapeEndpoint>();
        services.AddSingleton<ApiEndpoints>();
        services.AddSingleton<HealthEndpoints>();
        services.AddSingleton<WebPageEndpoint>();
        services.AddSingleton<RequestDeadlineGuard>();
        services.AddSingleton<GatewayRouter>();
        return services;
    }
}
