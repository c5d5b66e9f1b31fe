using System.Globalization;
using System.Text.Json;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;
using ServerlessPush.Core.Metrics;

namespace ServerlessPush.Core.Otlp;

/// <summary>OTLP attributes as Prometheus label values and labels.</summary>
public static class OtlpAttributes
{
    /// <summary>
    /// A value as text: strings as they are, booleans <c>true</c>/<c>false</c>, integers in decimal,
    /// doubles in the shortest round-trip form, bytes in base64, arrays and maps as JSON.
    /// </summary>
    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => Double(value.DoubleValue),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue => JsonSerializer.Serialize(Plain(value)),
        _ => string.Empty,
    };

    /// <summary>The attribute's value as text, or null if the attribute is absent.</summary>
    public static string? Find(RepeatedField<KeyValue> attributes, string key)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.Key == key)
            {
                return Text(attribute.Value);
            }
        }
        return null;
    }

    /// <summary>
    /// Attributes as labels, sorted by name. Keys that sanitise to the same label name have their values
    /// joined with <c>;</c>, ordered by the original keys, as Prometheus's receiver does; empty
    /// values are dropped (an empty label is no label).
    /// </summary>
    public static List<LabelPair> Labels(IEnumerable<KeyValue> attributes, Func<string, bool>? skip = null)
    {
        var byName = new SortedDictionary<string, List<(string Key, string Value)>>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            if (skip?.Invoke(attribute.Key) == true)
            {
                continue;
            }
            var value = Text(attribute.Value);
            if (value.Length == 0)
            {
                continue;
            }
            var name = OtlpNames.LabelName(attribute.Key);
            if (!byName.TryGetValue(name, out var values))
            {
                byName[name] = values = [];
            }
            values.Add((attribute.Key, value));
        }
        return byName.Select(p => new LabelPair
        {
            Name = p.Key,
            Value = string.Join(';', p.Value.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value)),
        }).ToList();
    }

    private static string Double(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static object? Plain(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(Plain).ToList(),
        AnyValue.ValueOneofCase.KvlistValue => value.KvlistValue.Values.GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => Plain(g.Last().Value)),
        _ => null,
    };
}
