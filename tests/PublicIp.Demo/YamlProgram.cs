using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PublicIp.Demo;

/// <summary>A resource declared in a Pulumi YAML program, with its properties and options as plain values.</summary>
public sealed record YamlResource(string Name, string Type, IReadOnlyDictionary<string, object?> Properties, IReadOnlyDictionary<string, object?> Options);

/// <summary>
/// A Pulumi YAML program read with YamlDotNet: name, description, `config:`, `variables:`, `resources:` and
/// `outputs:`. Maps become dictionaries, sequences lists, and plain scalars take YAML's core types (bool, integer,
/// float, null) while quoted ones stay strings, as Pulumi YAML reads them.
/// </summary>
public sealed class YamlProgram
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, object?> Config { get; init; }
    public required IReadOnlyDictionary<string, object?> Variables { get; init; }
    public required IReadOnlyList<YamlResource> Resources { get; init; }
    public required IReadOnlyDictionary<string, string> Outputs { get; init; }

    public static YamlProgram Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            try
            {
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new FormatException($"{path}:{e.Start.Line}: {e.Message}", e);
            }
        }
        if (stream.Documents.Count != 1 || ToValue(stream.Documents[0].RootNode) is not Dictionary<string, object?> root)
        {
            throw new FormatException($"{path}: a Pulumi program is one YAML document whose top level is a map");
        }
        var resources = new List<YamlResource>();
        foreach (var (name, body) in Map(root, "resources", path))
        {
            var spec = body as Dictionary<string, object?> ?? throw new FormatException($"{path}: resources.{name} must be a map");
            var type = spec.GetValueOrDefault("type") as string ?? throw new FormatException($"{path}: resources.{name} needs a type");
            resources.Add(new YamlResource(name, type, Map(spec, "properties", path), Map(spec, "options", path)));
        }
        return new YamlProgram
        {
            Name = root.GetValueOrDefault("name") as string ?? throw new FormatException($"{path}: the project needs a name"),
            Description = (root.GetValueOrDefault("description") as string)?.Trim(),
            Config = Map(root, "config", path),
            Variables = Map(root, "variables", path),
            Resources = resources,
            Outputs = Map(root, "outputs", path).ToDictionary(
                kv => kv.Key, kv => kv.Value as string ?? throw new FormatException($"{path}: outputs.{kv.Key} must be a string"), StringComparer.Ordinal),
        };
    }

    private static Dictionary<string, object?> Map(Dictionary<string, object?> parent, string key, string path) =>
        parent.GetValueOrDefault(key) switch
        {
            null => new Dictionary<string, object?>(StringComparer.Ordinal),
            Dictionary<string, object?> map => map,
            _ => throw new FormatException($"{path}: '{key}' must be a map"),
        };

    private static object? ToValue(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => ToValue(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode seq => seq.Children.Select(ToValue).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException($"unsupported YAML node at line {node.Start.Line}"),
    };

    private static object? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return text;
        }
        return text switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            "null" or "Null" or "NULL" or "~" or "" => null,
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => text,
        };
    }
}
