using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ServerlessPush.LocalHost;

namespace ServerlessPush.Core.Tests.Hosting;

/// <summary>
/// A misconfigured gateway refuses to start, naming the setting, instead of failing every request
/// (the local host here; the Functions app's start is tested in ServerlessPush.Functions.Tests). The
/// options are validated before anything listens or touches storage, so no tool is needed.
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, string?, string> Misconfigurations => new()
    {
        { "Gateway:Tables:ConnectionString", null, "Gateway:Tables:ConnectionString" },
        { "Gateway:RequestDeadline", "00:00:00", "Gateway:RequestDeadline" },
        { "Gateway:RetryAfter", "00:00:00.500", "Gateway:RetryAfter" },
        { "Gateway:Tables:Retry:MaxRetries", "-1", "Gateway:Tables:Retry:MaxRetries" },
    };

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public async Task The_local_host_does_not_start_with(string setting, string? value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Tables:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Logging:LogLevel:Default"] = "None",
        };
        settings[setting] = value;
        // Port 0: nothing may be reached; validation comes before Kestrel binds. (The local host
        // resolves its services while it is built, so the failure may come from Build.)
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = LocalGatewayHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            {
                builder.Configuration.Sources.Clear();
                builder.Configuration.AddInMemoryCollection(settings);
            });
            await app.StartAsync();
        });
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
