using System.Reflection;
using System.Text.Json;

namespace ServerlessPush.Functions.Tests;

/// <summary>What the Functions host will route, read from the metadata the worker SDK generates at build.</summary>
public class FunctionsMetadataTests
{
    private static readonly string OutputDir = typeof(FunctionsMetadataTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsOutputDir").Value!;

    private static List<JsonElement> Functions()
    {
        var path = Path.Combine(OutputDir, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata not found in the Functions build output ({path})");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray().ToList();
    }

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("direction").GetString() == "In");

    private static (string Route, string[] Methods, string Auth) Http(string name)
    {
        var trigger = Trigger(Functions().Single(f => f.GetProperty("name").GetString() == name));
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString(), ignoreCase: true);
        return (
            trigger.GetProperty("route").GetString()!,
            trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order().ToArray(),
            trigger.GetProperty("authLevel").GetString()!);
    }

    public static TheoryData<string> RouteNames() => [.. ServerlessPush.Http.GatewayRoutes.All.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(RouteNames))]
    public void Every_route_of_the_table_is_a_function_with_its_template_and_methods(string name)
    {
        var route = ServerlessPush.Http.GatewayRoutes.All.Single(r => r.Name == name);
        var http = Http(name);
        Assert.Equal(route.FunctionRoute, http.Route);
        Assert.Equal(string.Join(',', route.Methods.Order(StringComparer.Ordinal)), string.Join(',', http.Methods));
        // The gateway checks its own keys; the host's key levels cannot express push/read/admin rights.
        Assert.Equal("Anonymous", http.Auth, ignoreCase: true);
    }

    [Fact]
    public void The_http_functions_are_the_route_table_and_one_catch_all_for_every_method()
    {
        var httpNames = Functions()
            .Where(f => Trigger(f).GetProperty("type").GetString()!.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.GetProperty("name").GetString()!)
            .ToList();
        Assert.Equal(
            ServerlessPush.Http.GatewayRoutes.All.Select(r => r.Name).Append(ServerlessPush.Http.GatewayRoutes.FallbackFunction).Order(StringComparer.Ordinal),
            httpNames.Order(StringComparer.Ordinal));

        var fallback = Trigger(Functions().Single(f => f.GetProperty("name").GetString() == ServerlessPush.Http.GatewayRoutes.FallbackFunction));
        Assert.Equal(ServerlessPush.Http.GatewayRoutes.FallbackRoute, fallback.GetProperty("route").GetString());
        // No methods: the host routes every method to it that no other function declares.
        Assert.True(!fallback.TryGetProperty("methods", out var methods) || methods.ValueKind == JsonValueKind.Null);
        Assert.Equal("Anonymous", fallback.GetProperty("authLevel").GetString(), ignoreCase: true);
        // The host tries function routes in the order it registers them; the catch-all comes last in
        // the metadata so the other functions keep their names in the host's logs. (Answers do not
        // depend on it: every function hands the request to the same router.)
        Assert.Equal(ServerlessPush.Http.GatewayRoutes.FallbackFunction, httpNames[^1]);
    }

    [Fact]
    public void The_expiry_sweep_runs_on_the_configured_schedule_without_run_on_startup()
    {
        var trigger = Trigger(Functions().Single(f => f.GetProperty("name").GetString() == "ExpirySweep"));
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString(), ignoreCase: true);
        Assert.Equal("%Gateway:Expiry:Schedule%", trigger.GetProperty("schedule").GetString());
        Assert.False(trigger.TryGetProperty("runOnStartup", out var runOnStartup) && runOnStartup.GetBoolean());
    }

    [Fact]
    public void The_default_schedule_is_a_valid_six_field_ncrontab_expression()
    {
        var schedule = new ServerlessPush.Core.Gateway.ExpiryOptions().Schedule;
        Assert.Equal(6, schedule.Split(' ').Length);
        Assert.NotNull(NCrontab.CrontabSchedule.TryParse(schedule, new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true }));
    }

    [Fact]
    public void No_route_starts_with_a_prefix_the_host_reserves()
    {
        foreach (var function in Functions())
        {
            var trigger = Trigger(function);
            if (!trigger.TryGetProperty("route", out var route))
            {
                continue;
            }
            var text = route.GetString()!.Trim().ToLowerInvariant();
            Assert.False(text.StartsWith("admin", StringComparison.Ordinal) || text.StartsWith("runtime", StringComparison.Ordinal), text);
        }
    }

    [Fact]
    public void Host_json_removes_the_api_route_prefix()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDir, "host.json"))).RootElement;
        Assert.Equal(string.Empty, host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }
}
