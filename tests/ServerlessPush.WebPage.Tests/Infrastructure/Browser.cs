using Microsoft.Playwright;
using ServerlessPush.Testing;

namespace ServerlessPush.WebPage.Tests.Infrastructure;

/// <summary>
/// Debian's chromium (<c>/usr/bin/chromium</c>, or <c>SERVERLESSPUSH_CHROMIUM</c>) driven by
/// Microsoft.Playwright's bundled driver. Nothing is downloaded: no <c>playwright install</c>, and the
/// browser is told to stay off the network except for the loopback gateway.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "SERVERLESSPUSH_CHROMIUM";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var chromium = RepoPaths.Executable(ChromiumVariable, "Install Debian's chromium (apt-get install chromium).", "chromium", "chromium-browser");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
