using System.Text.Json;

namespace ServerlessPush.Infra.Tests;

/// <summary>Walks the ARM JSON that <c>bicep build</c> writes: modules become nested deployments.</summary>
internal static class ArmTemplate
{
    /// <summary>Every resource in the template and in the templates of its nested deployments.</summary>
    public static IEnumerable<JsonElement> AllResources(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        // languageVersion 2.0 templates hold resources in an object keyed by symbolic name.
        var items = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => p.Value)
            : resources.EnumerateArray();

        foreach (var resource in items)
        {
            yield return resource;
            if (IsDeployment(resource) && resource.GetProperty("properties").TryGetProperty("template", out var nested))
            {
                foreach (var inner in AllResources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every template: the main one and each nested deployment's.</summary>
    public static IEnumerable<JsonElement> AllTemplates(JsonElement template)
    {
        yield return template;
        foreach (var deployment in AllResources(template).Where(IsDeployment))
        {
            if (deployment.GetProperty("properties").TryGetProperty("template", out var nested))
            {
                yield return nested;
            }
        }
    }

    public static JsonElement Module(JsonElement template, string deploymentName) =>
        AllResources(template).Single(r => IsDeployment(r) && r.GetProperty("name").GetString() == deploymentName);

    public static bool IsDeployment(JsonElement resource) =>
        string.Equals(resource.GetProperty("type").GetString(), "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase);

    public static string Type(JsonElement resource) => resource.GetProperty("type").GetString()!;
}
