using System.Globalization;
using System.Text.Json;

namespace PublicIp.Alibaba;

/// <summary>Lenient readers for Alibaba JSON, which sends numbers as strings in some APIs and nests lists as {"X":{"X":[...]}}.</summary>
internal static class JsonRead
{
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    public static string Required(JsonElement element, string name, string action) =>
        String(element, name) ?? throw new AlibabaTransportException(action, $"answer lacks {name}", isTimeout: false, null);

    public static int? Int(JsonElement element, string name) =>
        int.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static bool? Bool(JsonElement element, string name) => String(element, name) switch
    {
        "true" or "True" => true,
        "false" or "False" => false,
        _ => null,
    };

    public static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value : null;

    /// <summary>Reads the list in {"Outer":{"Inner":[...]}}; missing levels give an empty list.</summary>
    public static IEnumerable<JsonElement> List(JsonElement element, string outer, string inner)
    {
        if (Object(element, outer) is { } wrapper && wrapper.TryGetProperty(inner, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            return array.EnumerateArray().ToList();
        }
        return [];
    }

    public static DateTimeOffset? Time(JsonElement element, string name) =>
        DateTimeOffset.TryParse(String(element, name), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}
