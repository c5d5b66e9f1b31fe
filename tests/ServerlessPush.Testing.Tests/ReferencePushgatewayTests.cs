using System.Net;
using System.Text;

namespace ServerlessPush.Testing.Tests;

public sealed class ReferencePushgatewayTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Starts_on_loopback_and_answers_healthy_and_accepts_a_push()
    {
        await using var gateway = await ReferencePushgateway.StartAsync();
        Assert.Equal($"http://127.0.0.1:{gateway.Port}/", gateway.BaseAddress.ToString());

        using var healthy = await Http.GetAsync(new Uri(gateway.BaseAddress, "-/healthy"));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

        using var push = await Http.PutAsync(new Uri(gateway.BaseAddress, "metrics/job/fixture_test"),
            new StringContent("fixture_metric 42\n", Encoding.UTF8, "text/plain"));
        Assert.True(push.IsSuccessStatusCode, $"push answered {(int)push.StatusCode}");
        var metrics = await Http.GetStringAsync(new Uri(gateway.BaseAddress, "metrics"));
        Assert.Contains("fixture_metric{instance=\"\",job=\"fixture_test\"} 42", metrics, StringComparison.Ordinal);

        // Admin API is on.
        using var wipe = await Http.PutAsync(new Uri(gateway.BaseAddress, "api/v1/admin/wipe"), null);
        Assert.Equal(HttpStatusCode.Accepted, wipe.StatusCode);
    }
}
