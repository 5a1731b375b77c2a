using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PublicIp.Protocol.Resources;

/// <summary>The package-level facts of a Pulumi schema; resources, functions and config come from their declarations.</summary>
public sealed record PackageSpec(string Name, string DisplayName, string Version, string Description)
{
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public string? Homepage { get; init; }
    public string? License { get; init; }
    public string? Publisher { get; init; }
    public string? Repository { get; init; }
    public string? ModuleFormat { get; init; }
    /// <summary>Per language (nodejs, python, csharp, …), its settings.</summary>
    public IReadOnlyList<(string Language, string Key, string Value)> Languages { get; init; } = [];
    public string ProviderDescription { get; init; } = "";
    public IReadOnlyList<PropertySpec> Config { get; init; } = [];
    public IReadOnlyList<IDeclaration> Resources { get; init; } = [];
    /// <summary>Object types (by token, as JSON) that properties refer to.</summary>
    public IReadOnlyList<(string Token, string Json)> Types { get; init; } = [];
    /// <summary>Invokes: their inputs are the declaration's inputs, their result its outputs.</summary>
    public IReadOnlyList<IDeclaration> Functions { get; init; } = [];
}

/// <summary>
/// Writes schema.json from the declarations (Utf8JsonWriter: no reflection, AOT-clean). The output is
/// deterministic, so the committed file can be compared byte for byte (see `make schema`).
/// </summary>
public static class SchemaWriter
{
    public static string Write(PackageSpec package)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", package.Name);
            w.WriteString("displayName", package.DisplayName);
            w.WriteString("version", package.Version);
            w.WriteString("description", package.Description);
            w.WriteStartArray("keywords");
            foreach (var keyword in package.Keywords)
            {
                w.WriteStringValue(keyword);
            }
            w.WriteEndArray();
            WriteIfSet(w, "homepage", package.Homepage);
            WriteIfSet(w, "license", package.License);
            WriteIfSet(w, "publisher", package.Publisher);
            WriteIfSet(w, "repository", package.Repository);
            if (package.ModuleFormat is { } moduleFormat)
            {
                w.WriteStartObject("meta");
                w.WriteString("moduleFormat", moduleFormat);
                w.WriteEndObject();
            }
            w.WriteStartObject("language");
            foreach (var language in package.Languages.GroupBy(l => l.Language))
            {
                w.WriteStartObject(language.Key);
                foreach (var (_, key, value) in language)
                {
                    w.WriteString(key, value);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();

            w.WriteStartObject("config");
            WriteProperties(w, "variables", "required", package.Config, input: true);
            w.WriteEndObject();

            // The provider resource takes the same keys as stack configuration.
            w.WriteStartObject("provider");
            w.WriteString("description", package.ProviderDescription);
            WriteProperties(w, "inputProperties", "requiredInputs", package.Config, input: true);
            w.WriteEndObject();

            w.WriteStartObject("resources");
            foreach (var resource in package.Resources)
            {
                w.WriteStartObject(resource.Token);
                w.WriteString("description", resource.Description);
                WriteProperties(w, "inputProperties", "requiredInputs", resource.Properties.Where(p => p.IsInput), input: true);
                WriteProperties(w, "properties", "required", resource.Properties.Where(p => p.IsOutput), input: false);
                w.WriteEndObject();
            }
            w.WriteEndObject();

            if (package.Functions.Count > 0)
            {
                w.WriteStartObject("functions");
                foreach (var function in package.Functions)
                {
                    w.WriteStartObject(function.Token);
                    w.WriteString("description", function.Description);
                    w.WriteStartObject("inputs");
                    WriteProperties(w, "properties", "required", function.Properties.Where(p => p.IsInput), input: true);
                    w.WriteEndObject();
                    w.WriteStartObject("outputs");
                    WriteProperties(w, "properties", "required", function.Properties.Where(p => p.IsOutput), input: false);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            if (package.Types.Count > 0)
            {
                w.WriteStartObject("types");
                foreach (var (token, json) in package.Types)
                {
                    w.WritePropertyName(token);
                    using var type = JsonDocument.Parse(json);
                    type.RootElement.WriteTo(w);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// An object type for <see cref="PackageSpec.Types"/>, written from a declaration: its inputs (an argument's
    /// elements, <paramref name="input"/>) or its outputs (a result's elements).
    /// </summary>
    public static string ObjectType(IDeclaration declaration, bool input)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", "object");
            w.WriteString("description", declaration.Description);
            WriteProperties(w, "properties", "required", declaration.Properties.Where(p => input ? p.IsInput : p.IsOutput), input);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteProperties(Utf8JsonWriter w, string propertiesName, string requiredName, IEnumerable<PropertySpec> properties, bool input)
    {
        var list = properties.ToList();
        w.WriteStartObject(propertiesName);
        foreach (var p in list)
        {
            WriteProperty(w, p, input);
        }
        w.WriteEndObject();
        var required = list.Where(p => input ? p.RequiredInput : p.RequiredOutput).Select(p => p.Name).ToList();
        if (required.Count > 0)
        {
            w.WriteStartArray(requiredName);
            foreach (var name in required)
            {
                w.WriteStringValue(name);
            }
            w.WriteEndArray();
        }
    }

    private static void WriteProperty(Utf8JsonWriter w, PropertySpec p, bool input)
    {
        w.WriteStartObject(p.Name);
        if (p.RawType is { } raw)
        {
            using var type = JsonDocument.Parse(raw);
            foreach (var member in type.RootElement.EnumerateObject())
            {
                member.WriteTo(w);
            }
        }
        else switch (p.Type)
        {
            case PropertyType.String: w.WriteString("type", "string"); break;
            case PropertyType.Boolean: w.WriteString("type", "boolean"); break;
            case PropertyType.Integer: w.WriteString("type", "integer"); break;
            case PropertyType.StringList:
                w.WriteString("type", "array");
                w.WriteStartObject("items");
                w.WriteString("type", "string");
                w.WriteEndObject();
                break;
            case PropertyType.StringMap:
                w.WriteString("type", "object");
                w.WriteStartObject("additionalProperties");
                w.WriteString("type", "string");
                w.WriteEndObject();
                break;
        }
        var description = input ? p.InputDescription : p.OutputText;
        w.WriteString("description", p.Environment.Count > 0 ? $"{description} Falls back to {string.Join(" / ", p.Environment)}." : description);
        if (input)
        {
            switch (p.Default)
            {
                case string s: w.WriteString("default", s); break;
                case bool b: w.WriteBoolean("default", b); break;
                case int i: w.WriteNumber("default", i); break;
            }
        }
        if (p.Secret)
        {
            w.WriteBoolean("secret", true);
        }
        if (input && p.ReplaceOnChange)
        {
            w.WriteBoolean("willReplaceOnChanges", true);
        }
        w.WriteEndObject();
    }
}
