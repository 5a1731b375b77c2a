using System.Collections.Immutable;
using System.Globalization;
using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>
/// Reads typed values out of a property bag and records, per property, every problem as a CheckFailure
/// naming that property. Unknown values (preview) read as null and are listed in <see cref="Unknowns"/>;
/// secrets and output values are unwrapped (secretness is carried generically by the protocol layer).
/// </summary>
public sealed class InputReader(PropertyMap properties)
{
    private readonly List<CheckFailure> _failures = [];
    private readonly HashSet<string> _unknowns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly HashSet<string> _secret = new(StringComparer.Ordinal);

    public PropertyMap Properties { get; } = properties;
    public IReadOnlyList<CheckFailure> Failures => _failures;
    public IReadOnlySet<string> Unknowns => _unknowns;

    public void Fail(string property, string reason) => _failures.Add(new CheckFailure(property, reason));

    public bool IsUnknown(string name) => _unknowns.Contains(name);

    public bool IsSet(string name) => Raw(name) is not null;

    /// <summary>Properties that no reader asked for: a typo in a program should not pass silently.</summary>
    public IEnumerable<string> UnreadProperties => Properties.Keys.Where(k => !_read.Contains(k) && !k.StartsWith("__", StringComparison.Ordinal));

    private PropertyValue? Raw(string name)
    {
        _read.Add(name);
        var v = Properties.Get(name);
        while (true)
        {
            switch (v)
            {
                case SecretValue s: _secret.Add(name); v = s.Value; continue;
                case OutputValue { Value: null }: _unknowns.Add(name); return null;
                case OutputValue o:
                    if (o.Secret)
                    {
                        _secret.Add(name);
                    }
                    v = o.Value;
                    continue;
                case UnknownValue: _unknowns.Add(name); return null;
                case NullValue: return null;
                default: return v;
            }
        }
    }

    /// <summary>True when the program marked the property secret: its value must never be shown.</summary>
    public bool IsSecret(string name) => _secret.Contains(name) || Properties.Get(name) is { ContainsSecrets: true };

    /// <summary>The value as a failure may show it: never a secret's value, never more than a short quote.</summary>
    private string Show(string name, PropertyValue value) => IsSecret(name) ? "a secret value" : PropertyCodec.Describe(value);

    /// <summary>The value with secrets and known outputs unwrapped (null when absent or unknown), for nested objects and lists.</summary>
    public PropertyValue? Value(string name) => Raw(name);

    public string? String(string name, bool required = false, IReadOnlyCollection<string>? allowed = null)
    {
        var v = Raw(name);
        switch (v)
        {
            case null when required && !_unknowns.Contains(name):
                Fail(name, $"'{name}' is required");
                return null;
            case null:
                return null;
            case StringValue { Value: var s }:
                if (required && s.Length == 0)
                {
                    Fail(name, $"'{name}' must not be empty");
                    return null;
                }
                if (allowed is not null && !allowed.Contains(s, StringComparer.Ordinal))
                {
                    Fail(name, $"'{name}' must be one of {string.Join(", ", allowed.Select(a => "\"" + a + "\""))}, not {Show(name, v)}");
                    return null;
                }
                return s;
            default:
                Fail(name, $"'{name}' must be a string, not {Show(name, v)}");
                return null;
        }
    }

    public bool? Bool(string name)
    {
        switch (Raw(name))
        {
            case null: return null;
            case BoolValue b: return b.Value;
            // YAML programs and config arrive as strings: accept the two spellings a person means.
            case StringValue { Value: "true" }: return true;
            case StringValue { Value: "false" }: return false;
            case var v:
                Fail(name, $"'{name}' must be a boolean, not {Show(name, v)}");
                return null;
        }
    }

    public int? Integer(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var (v, d) = RawNumber(name);
        if (d is null)
        {
            return null;
        }
        if (double.IsNaN(d.Value) || d.Value != Math.Floor(d.Value) || d.Value < min || d.Value > max)
        {
            Fail(name, $"'{name}' must be a whole number between {min} and {max}, not {Show(name, v!)}");
            return null;
        }
        return (int)d.Value;
    }

    public double? Number(string name, double min, double max)
    {
        var (v, d) = RawNumber(name);
        if (d is { } value && (double.IsNaN(value) || value < min || value > max))
        {
            Fail(name, $"'{name}' must be a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {PropertyCodec.Describe(v!)}");
            return null;
        }
        return d;
    }

    /// <summary>A number, or a string that parses as one (config values arrive as strings); NaN for anything else.</summary>
    private (PropertyValue? Raw, double? Value) RawNumber(string name)
    {
        var v = Raw(name);
        return (v, v switch
        {
            null => null,
            NumberValue n => n.Value,
            StringValue s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
            _ => double.NaN,
        });
    }

    public ImmutableSortedDictionary<string, string>? StringMap(string name)
    {
        switch (Raw(name))
        {
            case null: return null;
            case ObjectValue o:
                var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var (k, item) in o.Properties)
                {
                    var inner = item is SecretValue s ? s.Value : item;
                    var shown = item is SecretValue || IsSecret(name) ? "a secret value" : PropertyCodec.Describe(inner);
                    switch (inner)
                    {
                        case StringValue sv: builder[k] = sv.Value; break;
                        case UnknownValue or OutputValue { Value: null }: _unknowns.Add(name); break;
                        default: Fail($"{name}.{k}", $"'{name}.{k}' must be a string, not {shown}"); break;
                    }
                }
                return builder.ToImmutable();
            case var v:
                Fail(name, $"'{name}' must be a map of strings, not {Show(name, v)}");
                return null;
        }
    }

    /// <summary>A list of strings; YAML config may also send it as one JSON array string or comma-separated names.</summary>
    public IReadOnlyList<string>? StringList(string name)
    {
        switch (Raw(name))
        {
            case null: return null;
            case ArrayValue a:
                var items = new List<string>();
                for (var i = 0; i < a.Items.Length; i++)
                {
                    var inner = a.Items[i] is SecretValue s ? s.Value : a.Items[i];
                    switch (inner)
                    {
                        case StringValue sv: items.Add(sv.Value); break;
                        case UnknownValue or OutputValue { Value: null }: _unknowns.Add(name); break;
                        default: Fail($"{name}[{i}]", $"'{name}[{i}]' must be a string, not {(a.Items[i] is SecretValue || IsSecret(name) ? "a secret value" : PropertyCodec.Describe(inner))}"); break;
                    }
                }
                return items;
            case StringValue { Value: var text }:
                var trimmed = text.Trim();
                if (trimmed.StartsWith('['))
                {
                    try
                    {
                        using var doc = System.Text.Json.JsonDocument.Parse(trimmed);
                        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException())];
                    }
                    catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
                    {
                        Fail(name, $"'{name}' must be a list of strings, not {text}");
                        return null;
                    }
                }
                return [.. trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            case var v:
                Fail(name, $"'{name}' must be a list of strings, not {Show(name, v)}");
                return null;
        }
    }

    /// <summary>At most one of the named properties may be set.</summary>
    public void AtMostOneOf(params string[] names)
    {
        var set = names.Where(n => Properties.Get(n) is { IsNull: false }).ToArray();
        if (set.Length > 1)
        {
            Fail(set[1], $"'{set[0]}' and '{set[1]}' cannot both be set; choose one");
        }
    }
}
