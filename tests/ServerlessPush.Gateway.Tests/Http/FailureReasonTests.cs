using System.Net;
using System.Text.Json;
using ServerlessPush.Testing;

namespace ServerlessPush.Gateway.Tests.Http;

/// <summary>Why the last push failed (issue 17): the text the pusher got and its time, in the JSON API and on the page, never in the scrape.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FailureReasonTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task The_rejected_pushs_reason_is_kept_with_the_group_and_shown_in_the_api_and_on_the_page()
    {
        await using var gateway = await GatewayServer.StartAsync(fixture.Azurite);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.PutAsync("/metrics/job/a", new StringContent("# TYPE shared gauge\nshared 1\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.PutAsync("/metrics/job/a/instance/b", new StringContent("other 1\n"))).StatusCode);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var rejected = await gateway.Client.PostAsync("/metrics/job/a/instance/b", new StringContent("# TYPE shared counter\nshared 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var told = (await rejected.Content.ReadAsStringAsync()).TrimEnd('\n');
        Assert.StartsWith("pushed metrics are invalid or inconsistent with existing metrics: ", told, StringComparison.Ordinal);

        var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/api/v1/metrics")).RootElement.GetProperty("data");
        var group = json.EnumerateArray().Single(g => g.GetProperty("labels").TryGetProperty("instance", out var i) && i.GetString() == "b");
        Assert.False(group.GetProperty("last_push_successful").GetBoolean());
        var failure = group.GetProperty("last_failure");
        Assert.Equal(told, failure.GetProperty("reason").GetString());
        Assert.InRange(DateTimeOffset.Parse(failure.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow.AddSeconds(1));
        var healthy = json.EnumerateArray().Single(g => !g.GetProperty("labels").TryGetProperty("instance", out _));
        Assert.False(healthy.TryGetProperty("last_failure", out _));

        var page = await gateway.Client.GetStringAsync("/");
        Assert.Contains(System.Net.WebUtility.HtmlEncode(told).Replace("&#39;", "&#x27;", StringComparison.Ordinal)[..40], page, StringComparison.Ordinal);
        var scrape = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("inconsistent", scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("reason", scrape, StringComparison.Ordinal);
    }
}
