using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Amazon.EC2;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Demo;

/// <summary>
/// What a program's expressions can refer to: `${resource.output}`, `${resource}` and `${variable}`. The aws:ec2
/// stand-ins' outputs once they exist, the publicip resources' outputs from the stack; before up (in preview)
/// a reference to something not created yet is unknown, as the engine sends it.
/// </summary>
internal sealed partial class World(YamlProgram program, IAmazonEC2 ec2)
{
    private readonly Dictionary<string, Dictionary<string, object?>> _theirs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public IAmazonEC2 Ec2 => ec2;

    private sealed record Unknown;

    public ResourceSpec Spec(YamlResource r, bool preview)
    {
        var inputs = r.Properties.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value, preview), StringComparer.Ordinal);
        return new ResourceSpec(r.Type, r.Name, PropertyMap.From(inputs.Select(kv => KeyValuePair.Create(kv.Key, ToProperty(kv.Value)))));
    }

    public async Task<Dictionary<string, object?>> CreateTheirsAsync(YamlResource r)
    {
        foreach (var (name, body) in program.Variables)
        {
            if (!_variables.ContainsKey(name) && body is Dictionary<string, object?> v && v.GetValueOrDefault("fn::invoke") is Dictionary<string, object?> invoke)
            {
                _variables[name] = await AwsStandIn.InvokeAsync(ec2, invoke.GetValueOrDefault("function") as string ?? "");
            }
        }
        var props = r.Properties.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value, preview: false), StringComparer.Ordinal);
        var outputs = await AwsStandIn.CreateAsync(ec2, r.Type, props);
        _theirs[r.Name] = outputs;
        return outputs;
    }

    public PropertyValue ResolveOutput(string expression, LifecycleHarness h)
    {
        var m = Reference().Match(expression);
        if (m.Success && h.State.TryGetValue(m.Groups["name"].Value, out var entry) && m.Groups["prop"].Success)
        {
            return entry.Outputs.Get(m.Groups["prop"].Value) ?? PropertyValue.Null;
        }
        return ToProperty(Resolve(expression, preview: false));
    }

    private object? Resolve(object? value, bool preview) => value switch
    {
        string s when Reference().Match(s) is { Success: true } m => Lookup(m.Groups["name"].Value, m.Groups["prop"].Success ? m.Groups["prop"].Value : "id", preview),
        Dictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value, preview), StringComparer.Ordinal),
        List<object?> list => list.Select(v => Resolve(v, preview)).ToList(),
        _ => value,
    };

    private object? Lookup(string name, string prop, bool preview)
    {
        if (_variables.TryGetValue(name, out var variable))
        {
            return variable;
        }
        if (_theirs.TryGetValue(name, out var outputs))
        {
            return outputs.GetValueOrDefault(prop);
        }
        if (preview || program.Variables.ContainsKey(name) || program.Resources.Any(r => r.Name == name))
        {
            return new Unknown();
        }
        throw new DemoFailure($"${{{name}}} refers to nothing in the program");
    }

    public static PropertyValue ToProperty(object? value) => value switch
    {
        null => PropertyValue.Null,
        Unknown => new UnknownValue(UnknownKind.String),
        string s => new StringValue(s),
        bool b => new BoolValue(b),
        long l => new NumberValue(l),
        double d => new NumberValue(d),
        Dictionary<string, object?> map => new ObjectValue(PropertyMap.From(map.Select(kv => KeyValuePair.Create(kv.Key, ToProperty(kv.Value))))),
        List<object?> list => new ArrayValue([.. list.Select(ToProperty)]),
        _ => Props.Value(value),
    };

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z0-9_-]+)(\.(?<prop>[A-Za-z0-9_]+))?\}$")]
    private static partial Regex Reference();
}
