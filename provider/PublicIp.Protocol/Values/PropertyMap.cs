using System.Collections;
using System.Collections.Immutable;

namespace PublicIp.Protocol.Values;

/// <summary>An immutable, ordinal-keyed property bag with structural equality.</summary>
public sealed class PropertyMap : IReadOnlyDictionary<string, PropertyValue>, IEquatable<PropertyMap>
{
    public static readonly PropertyMap Empty = new(ImmutableSortedDictionary<string, PropertyValue>.Empty.WithComparers(StringComparer.Ordinal));

    private readonly ImmutableSortedDictionary<string, PropertyValue> _items;

    private PropertyMap(ImmutableSortedDictionary<string, PropertyValue> items) => _items = items;

    public static PropertyMap From(IEnumerable<KeyValuePair<string, PropertyValue>> items) =>
        new(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, items));

    public PropertyMap Set(string key, PropertyValue value) => new(_items.SetItem(key, value));
    public PropertyMap Remove(string key) => new(_items.Remove(key));

    /// <summary>Sets the key unless the value is null: absent and null mean the same to Pulumi.</summary>
    public PropertyMap SetIfNotNull(string key, PropertyValue? value) =>
        value is null || value.IsNull ? this : Set(key, value);

    public PropertyValue? Get(string key) => _items.TryGetValue(key, out var v) ? v : null;

    public PropertyValue this[string key] => _items[key];
    public IEnumerable<string> Keys => _items.Keys;
    public IEnumerable<PropertyValue> Values => _items.Values;
    public int Count => _items.Count;
    public bool ContainsKey(string key) => _items.ContainsKey(key);
    public bool TryGetValue(string key, out PropertyValue value) => _items.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, PropertyValue>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(PropertyMap? other) =>
        other is not null && Count == other.Count &&
        _items.All(kv => other._items.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v));

    public override bool Equals(object? obj) => Equals(obj as PropertyMap);
    public override int GetHashCode() => Count;
    public override string ToString() => "{" + string.Join(", ", _items.Select(kv => $"{kv.Key}: {kv.Value}")) + "}";
}
