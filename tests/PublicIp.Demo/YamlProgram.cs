using System.Globalization;

namespace PublicIp.Demo;

/// <summary>A resource declared in a Pulumi YAML program.</summary>
internal sealed record YamlResource(string Name, string Type, IReadOnlyDictionary<string, object> Properties);

/// <summary>
/// The parts of a Pulumi YAML program the demo plays: project name, `config:`, `resources:` and `outputs:`.
/// Reads the block-style subset (nested maps of scalars, comments, quoted strings); anything else, such as
/// lists or flow style, is refused with its line number rather than guessed.
/// </summary>
internal sealed class YamlProgram
{
    public required string Name { get; init; }
    public required IReadOnlyDictionary<string, object> Config { get; init; }
    public required IReadOnlyList<YamlResource> Resources { get; init; }
    public required IReadOnlyDictionary<string, string> Outputs { get; init; }

    public static YamlProgram Load(string path)
    {
        var root = Parse(File.ReadAllLines(path), path);
        string Str(Dictionary<string, object> map, string key, string where) =>
            map.TryGetValue(key, out var v) && v is string s ? s : throw new FormatException($"{path}: {where} needs a string '{key}'");
        var resources = new List<YamlResource>();
        if (root.TryGetValue("resources", out var res))
        {
            foreach (var (name, body) in AsMap(res, "resources", path))
            {
                var spec = AsMap(body, $"resources.{name}", path);
                var props = spec.TryGetValue("properties", out var p) ? AsMap(p, $"resources.{name}.properties", path) : [];
                resources.Add(new YamlResource(name, Str(spec, "type", $"resources.{name}"), props));
            }
        }
        return new YamlProgram
        {
            Name = Str(root, "name", "the project"),
            Config = root.TryGetValue("config", out var c) ? AsMap(c, "config", path) : [],
            Resources = resources,
            Outputs = root.TryGetValue("outputs", out var o)
                ? AsMap(o, "outputs", path).ToDictionary(kv => kv.Key, kv => kv.Value as string ?? throw new FormatException($"{path}: outputs.{kv.Key} must be a string"))
                : [],
        };
    }

    private static Dictionary<string, object> AsMap(object value, string where, string path) =>
        value as Dictionary<string, object> ?? throw new FormatException($"{path}: '{where}' must be a map");

    private static Dictionary<string, object> Parse(string[] lines, string path)
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        var stack = new Stack<(int Indent, Dictionary<string, object> Map)>();
        stack.Push((-1, root));
        string? pendingKey = null;
        var pendingIndent = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = StripComment(lines[i]).TrimEnd();
            if (raw.Trim().Length == 0)
            {
                continue;
            }
            var indent = raw.Length - raw.TrimStart(' ').Length;
            var text = raw.Trim();
            if (raw.TrimStart(' ').StartsWith('\t') || text.StartsWith('-') || text.StartsWith('[') || text.StartsWith('{'))
            {
                throw new FormatException($"{path}:{i + 1}: the demo's reader takes block maps of scalars only: '{text}'");
            }
            if (pendingKey is not null)
            {
                // The previous `key:` opens a nested map if this line is indented deeper; else it was an empty value.
                var parent = stack.Peek().Map;
                if (indent > pendingIndent)
                {
                    var child = new Dictionary<string, object>(StringComparer.Ordinal);
                    parent[pendingKey] = child;
                    stack.Push((pendingIndent, child));
                }
                else
                {
                    parent[pendingKey] = "";
                }
                pendingKey = null;
            }
            while (stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }
            var colon = FindKeyColon(text);
            if (colon < 0)
            {
                throw new FormatException($"{path}:{i + 1}: expected 'key: value': '{text}'");
            }
            var key = Unquote(text[..colon].Trim());
            var rest = text[(colon + 1)..].Trim();
            if (rest.Length == 0)
            {
                pendingKey = key;
                pendingIndent = indent;
            }
            else
            {
                stack.Peek().Map[key] = Scalar(rest);
            }
        }
        if (pendingKey is not null)
        {
            stack.Peek().Map[pendingKey] = "";
        }
        return root;
    }

    /// <summary>The ':' that ends a key: followed by a space or the end, and outside quotes (keys such as `publicip:awsRegion` hold colons).</summary>
    private static int FindKeyColon(string text) =>
        IndexOutsideQuotes(text, (t, i) => t[i] == ':' && (i + 1 == t.Length || t[i + 1] == ' '));

    private static string StripComment(string line)
    {
        var hash = IndexOutsideQuotes(line, (t, i) => t[i] == '#' && (i == 0 || t[i - 1] == ' '));
        return hash < 0 ? line : line[..hash];
    }

    /// <summary>The first index outside single or double quotes where <paramref name="isMatch"/> holds, or -1.</summary>
    private static int IndexOutsideQuotes(string text, Func<string, int, bool> isMatch)
    {
        var quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    quote = '\0';
                }
            }
            else if (ch is '"' or '\'')
            {
                quote = ch;
            }
            else if (isMatch(text, i))
            {
                return i;
            }
        }
        return -1;
    }

    private static object Scalar(string text)
    {
        if (text.Length >= 2 && (text[0] == '"' || text[0] == '\'') && text[^1] == text[0])
        {
            return text[1..^1];
        }
        if (text.StartsWith('[') || text.StartsWith('{') || text.StartsWith('|') || text.StartsWith('>'))
        {
            throw new FormatException($"the demo's reader takes plain scalars only: '{text}'");
        }
        return text switch
        {
            "true" => true,
            "false" => false,
            _ when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => text,
        };
    }

    private static string Unquote(string text) =>
        text.Length >= 2 && (text[0] == '"' || text[0] == '\'') && text[^1] == text[0] ? text[1..^1] : text;
}
