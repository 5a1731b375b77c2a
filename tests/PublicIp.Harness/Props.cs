using System.Collections;
using System.Collections.Immutable;
using PublicIp.Protocol.Values;

namespace PublicIp.Harness;

/// <summary>Builds property maps from plain C# values, the way a program's inputs reach the engine.</summary>
public static class Props
{
    public static PropertyMap Map(params (string Key, object? Value)[] items) =>
        PropertyMap.From(items.Where(i => i.Value is not null).Select(i => KeyValuePair.Create(i.Key, Value(i.Value))));

    public static PropertyValue Value(object? v) => v switch
    {
        null => PropertyValue.Null,
        PropertyValue p => p,
        string s => new StringValue(s),
        bool b => new BoolValue(b),
        int i => new NumberValue(i),
        double d => new NumberValue(d),
        IDictionary<string, string> d => new ObjectValue(PropertyMap.From(d.Select(kv => KeyValuePair.Create(kv.Key, (PropertyValue)new StringValue(kv.Value))))),
        IDictionary d => new ObjectValue(PropertyMap.From(d.Keys.Cast<object>().Select(k => KeyValuePair.Create(k.ToString()!, Value(d[k]))))),
        IEnumerable e => new ArrayValue(e.Cast<object?>().Select(Value).ToImmutableArray()),
        _ => throw new ArgumentException($"no property value for {v.GetType().Name}"),
    };

    public static PropertyValue Secret(object? v) => new SecretValue(Value(v));

    /// <summary>A string output's value, unwrapping secrets; null when absent or null.</summary>
    public static string? Str(this PropertyMap map, string key) => map.Get(key) switch
    {
        StringValue s => s.Value,
        SecretValue { Value: StringValue s } => s.Value,
        _ => null,
    };
}
