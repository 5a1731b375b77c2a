using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>
/// Compares old and new inputs property by property. A property whose new value is unknown counts as
/// changed (it may be). Secretness alone is not a change: wrapping a value in a secret changes nothing in the cloud.
/// </summary>
public static class InputDiff
{
    public static DiffResult Compute(PropertyMap olds, PropertyMap news, IReadOnlySet<string> replaceOnChanges, IReadOnlyCollection<string> ignoreChanges)
    {
        var detailed = new SortedDictionary<string, DiffKind>(StringComparer.Ordinal);
        foreach (var key in olds.Keys.Union(news.Keys, StringComparer.Ordinal))
        {
            if (ignoreChanges.Contains(key) || key.StartsWith("__", StringComparison.Ordinal))
            {
                continue;
            }
            var before = Plain(olds.Get(key));
            var after = Plain(news.Get(key));
            if (Equals(before, after) && !after.ContainsUnknowns)
            {
                continue;
            }
            var replace = replaceOnChanges.Contains(key);
            detailed[key] = (before.IsNull, after.IsNull) switch
            {
                (true, false) => replace ? DiffKind.AddReplace : DiffKind.Add,
                (false, true) => replace ? DiffKind.DeleteReplace : DiffKind.Delete,
                _ => replace ? DiffKind.UpdateReplace : DiffKind.Update,
            };
        }
        return new DiffResult(detailed.Count > 0, detailed);
    }

    /// <summary>Strips secret and known-output wrappers, recursively, so only the user's values are compared.</summary>
    public static PropertyValue Plain(PropertyValue? v) => v switch
    {
        null => PropertyValue.Null,
        SecretValue s => Plain(s.Value),
        OutputValue { Value: null } => PropertyValue.Unknown(),
        OutputValue o => Plain(o.Value),
        ArrayValue a => new ArrayValue([.. a.Items.Select(Plain)]),
        ObjectValue o => new ObjectValue(PropertyMap.From(o.Properties.Select(kv => KeyValuePair.Create(kv.Key, Plain(kv.Value))))),
        _ => v,
    };
}
