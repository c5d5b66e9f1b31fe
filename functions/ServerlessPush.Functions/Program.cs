using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessPush.Functions;
using ServerlessPush.Http;
using ServerlessPush.Storage.Tables;

// Nothing slow here: Flex Consumption allows 30 s for start-up, and storage is reached on first use.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddServerlessPushGateway(builder.Configuration).AddTableStorage(builder.Configuration);
builder.Services.AddFunctionsTelemetry(builder.Configuration);
builder.Build().Run();
