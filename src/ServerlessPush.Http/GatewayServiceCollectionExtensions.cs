using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Http;

/// <summary>
/// The one composition of the gateway, used by the Functions app and the local host alike. The store
/// is not chosen here: each host's composition root adds it (<c>AddTableStorage</c>), so this layer
/// knows only <see cref="IGroupStore"/> and <see cref="IMetricTypeIndex"/>.
/// </summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddServerlessPushGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.Configure<AccessOptions>(configuration.GetSection(AccessOptions.SectionName));
        services.AddSingleton<AccessControl>();
        services.AddHostedService<AccessStartupLog>();
        services.AddSingleton(TimeProvider.System);

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
