using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessPush.FunctionsHost.Rpc;

namespace ServerlessPush.FunctionsHost.Metadata;

/// <summary>One binding of a function, parsed from the raw binding JSON the worker reports.</summary>
internal sealed record FunctionBinding(string Name, string Type, BindingInfo.Types.Direction Direction, BindingInfo.Types.DataType? DataType, JsonObject Raw)
{
    public bool IsTrigger => Direction == BindingInfo.Types.Direction.In && Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    public string? GetString(string property) =>
        Raw.FirstOrDefault(p => p.Key.Equals(property, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public bool? GetBoolean(string property) =>
        Raw.FirstOrDefault(p => p.Key.Equals(property, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
            ? v.TryGetValue<bool>(out var b) ? b : v.TryGetValue<string>(out var s) && bool.TryParse(s, out b) ? b : null
            : null;

    public string[]? GetStrings(string property) =>
        Raw.FirstOrDefault(p => p.Key.Equals(property, StringComparison.OrdinalIgnoreCase)).Value is JsonArray a
            ? [.. a.Select(e => e?.GetValue<string>() ?? "")]
            : null;

    /// <summary>The binding as the host sends it in a <c>FunctionLoadRequest</c>.</summary>
    public BindingInfo ToBindingInfo()
    {
        var info = new BindingInfo { Type = Type, Direction = Direction };
        if (DataType is { } dataType)
        {
            info.DataType = dataType;
        }
        return info;
    }

    /// <summary>Parses one raw binding as the host's <c>BindingMetadata.Create</c> reads it.</summary>
    /// <exception cref="FormatException">Not an object, or no name or type.</exception>
    public static FunctionBinding Parse(string json)
    {
        var raw = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A binding must be a JSON object: " + json);
        string Required(string property) =>
            raw.FirstOrDefault(p => p.Key.Equals(property, StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>()
            ?? throw new FormatException($"The binding has no '{property}': {json}");
        var name = Required("name");
        var type = Required("type");
        var directionText = raw.FirstOrDefault(p => p.Key.Equals("direction", StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>() ?? "in";
        var direction = directionText.ToLowerInvariant() switch
        {
            "in" => BindingInfo.Types.Direction.In,
            "out" => BindingInfo.Types.Direction.Out,
            "inout" => BindingInfo.Types.Direction.Inout,
            _ => throw new FormatException($"'{directionText}' is not a valid binding direction."),
        };
        BindingInfo.Types.DataType? dataType = raw.FirstOrDefault(p => p.Key.Equals("dataType", StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>()?.ToLowerInvariant() switch
        {
            null => null,
            "string" => BindingInfo.Types.DataType.String,
            "binary" => BindingInfo.Types.DataType.Binary,
            "stream" => BindingInfo.Types.DataType.Stream,
            var other => throw new FormatException($"'{other}' is not a valid binding data type."),
        };
        return new FunctionBinding(name, type, direction, dataType, raw);
    }
}

/// <summary>How a function may be reached, once the host has indexed it.</summary>
public enum FunctionState
{
    /// <summary>Loaded by the worker; its trigger is live.</summary>
    Ready,

    /// <summary>The host could not index it (e.g. an unresolved <c>%setting%</c>, a reserved route): it never triggers.</summary>
    InError,

    /// <summary><c>AzureWebJobs.&lt;name&gt;.Disabled</c> is true: HTTP answers 404, timers do not fire.</summary>
    Disabled,

    /// <summary>The worker answered its <c>FunctionLoadRequest</c> with a failure: invocations fail with that error.</summary>
    LoadFailed,
}

/// <summary>A function as the worker reported it (<c>FunctionMetadataResponse</c>) and as the host indexed it.</summary>
public sealed class FunctionDescriptor
{
    private FunctionDescriptor(RpcFunctionMetadata metadata, IReadOnlyList<FunctionBinding> bindings, FunctionBinding trigger)
    {
        Metadata = metadata;
        Bindings = bindings;
        Trigger = trigger;
    }

    internal RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string FunctionId => Metadata.FunctionId;

    internal IReadOnlyList<FunctionBinding> Bindings { get; }

    internal FunctionBinding Trigger { get; }

    /// <summary>The trigger binding's type, e.g. <c>httpTrigger</c>, <c>timerTrigger</c>.</summary>
    public string TriggerType => Trigger.Type;

    public bool IsHttpTrigger => Trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimerTrigger => Trigger.Type.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase);

    public FunctionState State { get; internal set; } = FunctionState.Ready;

    /// <summary>Why the function is <see cref="FunctionState.InError"/> or <see cref="FunctionState.LoadFailed"/>.</summary>
    public string? Error { get; internal set; }

    /// <summary>
    /// HTTP trigger: the route template as the host routes it (the function name when none is
    /// given); timer trigger: the schedule after <c>%setting%</c> resolution.
    /// </summary>
    public string? Route { get; internal set; }

    /// <summary>HTTP trigger: the methods; null means every method.</summary>
    public string[]? Methods => IsHttpTrigger ? Trigger.GetStrings("methods") is { Length: > 0 } m ? m : null : null;

    /// <summary>HTTP trigger: anonymous, function, admin (the host's default is function).</summary>
    public string AuthLevel => Trigger.GetString("authLevel") ?? "function";

    /// <summary>
    /// Validates the worker's metadata as the host's <c>WorkerFunctionMetadataProvider</c> does: every
    /// binding parses, names are unique, there is a trigger.
    /// </summary>
    /// <exception cref="FormatException">A binding does not parse.</exception>
    /// <exception cref="InvalidOperationException">Duplicate binding names, or no trigger.</exception>
    internal static FunctionDescriptor Create(RpcFunctionMetadata metadata)
    {
        var bindings = new List<FunctionBinding>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in metadata.RawBindings)
        {
            var binding = FunctionBinding.Parse(raw);
            if (!names.Add(binding.Name))
            {
                throw new InvalidOperationException($"Multiple bindings with name '{binding.Name}' discovered. Binding names must be unique.");
            }
            bindings.Add(binding);
        }
        if (bindings.Count == 0)
        {
            throw new FormatException("At least one binding must be declared.");
        }
        var trigger = bindings.FirstOrDefault(b => b.IsTrigger)
            ?? throw new InvalidOperationException("No trigger binding specified. A function must have a trigger input binding.");
        return new FunctionDescriptor(metadata, bindings, trigger);
    }

    /// <summary>The <c>FunctionLoadRequest</c> the host sends for this function.</summary>
    internal FunctionLoadRequest ToLoadRequest()
    {
        var request = new FunctionLoadRequest
        {
            FunctionId = FunctionId,
            Metadata = new RpcFunctionMetadata
            {
                Name = Metadata.Name,
                Directory = Metadata.Directory ?? string.Empty,
                EntryPoint = Metadata.EntryPoint ?? string.Empty,
                ScriptFile = Metadata.ScriptFile ?? string.Empty,
                IsProxy = false,
            },
        };
        foreach (var binding in Bindings)
        {
            request.Metadata.Bindings.Add(binding.Name, binding.ToBindingInfo());
        }
        foreach (var (key, value) in Metadata.Properties)
        {
            request.Metadata.Properties.Add(key, value);
        }
        return request;
    }

    public override string ToString() => Name;

    /// <summary>functions.metadata as the SDK writes it, for workers that ask the host to index (<c>use_default_metadata_indexing</c>).</summary>
    internal static IEnumerable<RpcFunctionMetadata> ReadFunctionsMetadataFile(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var metadata = new RpcFunctionMetadata
            {
                Name = function.GetProperty("name").GetString() ?? "",
                ScriptFile = function.TryGetProperty("scriptFile", out var s) ? s.GetString() ?? "" : "",
                EntryPoint = function.TryGetProperty("entryPoint", out var e) ? e.GetString() ?? "" : "",
                Language = function.TryGetProperty("language", out var l) ? l.GetString() ?? "" : "",
                Directory = appDirectory,
                FunctionId = Guid.NewGuid().ToString(),
            };
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                metadata.RawBindings.Add(binding.GetRawText());
            }
            yield return metadata;
        }
    }
}
