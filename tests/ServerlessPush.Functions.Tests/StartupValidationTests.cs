using ServerlessPush.FunctionsHost;

namespace ServerlessPush.Functions.Tests;

/// <summary>
/// The Functions app refuses to start when misconfigured, naming the setting, as the local host does:
/// the worker exits before it connects to its host, instead of failing every request later. The app
/// runs under the Functions test host with nothing else around it (storage is never reached).
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, string?, string> Misconfigurations => new()
    {
        // No storage configured at all: before, the app started and answered every request 500.
        { "Gateway__Tables__ConnectionString", null, "Gateway:Tables:ConnectionString" },
        { "Gateway__RequestDeadline", "00:00:00", "Gateway:RequestDeadline" },
    };

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public async Task The_app_does_not_start_with(string setting, string? value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Gateway__Tables__ConnectionString"] = "UseDevelopmentStorage=true" };
        settings[setting] = value;
        var start = FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
        {
            AppDirectory = await PublishedFunctionsApp.GetAsync(),
            AppSettings = settings,
            StartTimeout = TimeSpan.FromSeconds(30),
        });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await (await start).DisposeAsync());
        Assert.Contains("OptionsValidationException", failure.Message, StringComparison.Ordinal);
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
