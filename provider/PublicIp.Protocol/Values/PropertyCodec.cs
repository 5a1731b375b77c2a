using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace PublicIp.Protocol.Values;

/// <summary>
/// Converts between <see cref="Struct"/> (what the engine sends) and <see cref="PropertyValue"/>.
/// The signatures and sentinels are Pulumi's wire constants (sdk/go/common/resource/sig).
/// </summary>
public static class PropertyCodec
{
    public const string SignatureKey = "4dabf18193072939515e22adb298388d";
    public const string SecretSignature = "1b47061264138c4ac30d75fd1eb44270";
    public const string ResourceReferenceSignature = "5cf8f73096256a8f31e491e813e4eb8e";
    public const string OutputValueSignature = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
    public const string AssetSignature = "c44067f5952c0a294b673a41bacd8c17";
    public const string ArchiveSignature = "0def7320c3a5731c473e5ecbe6d01bc7";
    public const string ByteStringSignature = "803fd3297a5875dc03ca845dda5d2a98";

    private static readonly ImmutableDictionary<string, UnknownKind> SentinelKinds = new Dictionary<string, UnknownKind>
    {
        ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] = UnknownKind.String,
        ["1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"] = UnknownKind.Bool,
        ["3eeb2bf0-c639-47a8-9e75-3b44932eb421"] = UnknownKind.Number,
        ["6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"] = UnknownKind.Array,
        ["030794c1-ac77-496b-92df-f27374a8bd58"] = UnknownKind.Asset,
        ["e48ece36-62e2-4504-bad9-02848725956a"] = UnknownKind.Archive,
        ["dd056dcd-154b-4c76-9bd3-c8f88648b5ff"] = UnknownKind.Object,
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public static string Sentinel(UnknownKind kind) => SentinelKinds.First(kv => kv.Value == kind).Key;

    /// <summary>
    /// How deep a value may nest. Nothing in this package's schema nests more than a few levels; the limit keeps
    /// every recursive walk over a value (decode, diff, secrets, encode) far from the stack's end.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Decodes a property bag; a malformed value throws <see cref="PropertyValueException"/> naming its property path.</summary>
    public static PropertyMap Decode(Struct? s) => s is null ? PropertyMap.Empty : DecodeFields(s, "", 0);

    public static PropertyValue Decode(Value? v) => Decode(v, "", 0);

    private static PropertyMap DecodeFields(Struct s, string path, int depth) =>
        PropertyMap.From(s.Fields.Select(kv => KeyValuePair.Create(kv.Key, Decode(kv.Value, Join(path, kv.Key), depth + 1))));

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static PropertyValue Decode(Value? v, string path, int depth)
    {
        if (v is null)
        {
            return PropertyValue.Null;
        }
        if (depth > MaxDepth)
        {
            throw new PropertyValueException(path, $"is nested more than {MaxDepth} levels deep");
        }
        return v.KindCase switch
        {
            Value.KindOneofCase.None or Value.KindOneofCase.NullValue => PropertyValue.Null,
            Value.KindOneofCase.BoolValue => new BoolValue(v.BoolValue),
            Value.KindOneofCase.NumberValue => new NumberValue(v.NumberValue),
            Value.KindOneofCase.StringValue => SentinelKinds.TryGetValue(v.StringValue, out var kind)
                ? new UnknownValue(kind)
                : new StringValue(v.StringValue),
            Value.KindOneofCase.ListValue => new ArrayValue(v.ListValue.Values.Select((x, i) => Decode(x, $"{path}[{i}]", depth + 1)).ToImmutableArray()),
            Value.KindOneofCase.StructValue => DecodeObject(v.StructValue, path, depth),
            _ => throw new PropertyValueException(path, $"has an unsupported protobuf value kind {v.KindCase}"),
        };
    }

    private static PropertyValue DecodeObject(Struct s, string path, int depth)
    {
        if (!s.Fields.TryGetValue(SignatureKey, out var sigValue))
        {
            return new ObjectValue(DecodeFields(s, path, depth));
        }
        if (sigValue.KindCase != Value.KindOneofCase.StringValue)
        {
            throw new PropertyValueException(path, "has a special-value signature that is not a string");
        }
        var fields = s.Fields;
        switch (sigValue.StringValue)
        {
            case SecretSignature:
                return new SecretValue(fields.TryGetValue("value", out var secret) ? Decode(secret, path, depth + 1) : PropertyValue.Null);
            case ResourceReferenceSignature:
                return new ResourceReferenceValue(
                    RequiredString(fields, "urn", path, "a resource reference"),
                    fields.TryGetValue("id", out var id) ? Decode(id, path, depth + 1) : null,
                    OptionalString(fields, "packageVersion", path, "a resource reference"));
            case OutputValueSignature:
                var deps = ImmutableArray<string>.Empty;
                if (fields.TryGetValue("dependencies", out var d) && d.KindCase != Value.KindOneofCase.NullValue)
                {
                    if (d.KindCase != Value.KindOneofCase.ListValue || d.ListValue.Values.Any(x => x.KindCase != Value.KindOneofCase.StringValue))
                    {
                        throw new PropertyValueException(path, "is an output value whose dependencies are not a list of URNs");
                    }
                    deps = d.ListValue.Values.Select(x => x.StringValue).ToImmutableArray();
                }
                var isSecret = false;
                if (fields.TryGetValue("secret", out var sec) && sec.KindCase != Value.KindOneofCase.NullValue)
                {
                    isSecret = sec.KindCase == Value.KindOneofCase.BoolValue
                        ? sec.BoolValue
                        : throw new PropertyValueException(path, "is an output value whose 'secret' is not a boolean");
                }
                return new OutputValue(fields.TryGetValue("value", out var ov) ? Decode(ov, path, depth + 1) : null, isSecret, deps);
            case AssetSignature or ArchiveSignature or ByteStringSignature:
                return new OpaqueValue(sigValue.StringValue, DecodeFields(s, path, depth).Remove(SignatureKey));
            default:
                throw new PropertyValueException(path, $"has an unknown special-value signature {Text.Quote(sigValue.StringValue)}");
        }
    }

    private static string RequiredString(IDictionary<string, Value> fields, string key, string path, string what) =>
        fields.TryGetValue(key, out var v) && v.KindCase == Value.KindOneofCase.StringValue && v.StringValue.Length > 0
            ? v.StringValue
            : throw new PropertyValueException(path, $"is {what} without a '{key}' string");

    private static string OptionalString(IDictionary<string, Value> fields, string key, string path, string what)
    {
        if (!fields.TryGetValue(key, out var v) || v.KindCase is Value.KindOneofCase.NullValue)
        {
            return "";
        }
        return v.KindCase == Value.KindOneofCase.StringValue
            ? v.StringValue
            : throw new PropertyValueException(path, $"is {what} whose '{key}' is not a string");
    }

    public static Struct Encode(PropertyMap map)
    {
        var s = new Struct();
        foreach (var (k, v) in map)
        {
            s.Fields[k] = Encode(v);
        }
        return s;
    }

    public static Value Encode(PropertyValue value) => value switch
    {
        NullValue => Value.ForNull(),
        BoolValue b => Value.ForBool(b.Value),
        NumberValue n => Value.ForNumber(n.Value),
        StringValue s => Value.ForString(s.Value),
        UnknownValue u => Value.ForString(Sentinel(u.Kind)),
        ArrayValue a => Value.ForList(a.Items.Select(Encode).ToArray()),
        ObjectValue o => Value.ForStruct(Encode(o.Properties)),
        SecretValue sv => Special(SecretSignature, ("value", Encode(sv.Value))),
        ResourceReferenceValue r => EncodeReference(r),
        OutputValue o => EncodeOutput(o),
        OpaqueValue op => EncodeOpaque(op),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name, "unsupported property value"),
    };

    private static Value Special(string sig, params (string Key, Value Value)[] fields)
    {
        var s = new Struct();
        s.Fields[SignatureKey] = Value.ForString(sig);
        foreach (var (k, v) in fields)
        {
            s.Fields[k] = v;
        }
        return Value.ForStruct(s);
    }

    private static Value EncodeReference(ResourceReferenceValue r)
    {
        var fields = new List<(string, Value)> { ("urn", Value.ForString(r.Urn)) };
        if (r.Id is not null)
        {
            fields.Add(("id", Encode(r.Id)));
        }
        if (r.PackageVersion.Length > 0)
        {
            fields.Add(("packageVersion", Value.ForString(r.PackageVersion)));
        }
        return Special(ResourceReferenceSignature, [.. fields]);
    }

    private static Value EncodeOutput(OutputValue o)
    {
        var fields = new List<(string, Value)>();
        if (o.Value is not null)
        {
            fields.Add(("value", Encode(o.Value)));
        }
        if (o.Secret)
        {
            fields.Add(("secret", Value.ForBool(true)));
        }
        if (o.Dependencies.Length > 0)
        {
            fields.Add(("dependencies", Value.ForList(o.Dependencies.Select(Value.ForString).ToArray())));
        }
        return Special(OutputValueSignature, [.. fields]);
    }

    private static Value EncodeOpaque(OpaqueValue op)
    {
        var s = Encode(op.Fields);
        s.Fields[SignatureKey] = Value.ForString(op.Signature);
        return Value.ForStruct(s);
    }

    /// <summary>Renders a value for a diagnostic without ever revealing a secret, and short enough for any message.</summary>
    public static string Describe(PropertyValue value) => value switch
    {
        NullValue => "null",
        StringValue s => Text.Quote(s.Value),
        BoolValue b => b.Value ? "true" : "false",
        NumberValue n => n.Value.ToString(CultureInfo.InvariantCulture),
        SecretValue => "[secret]",
        UnknownValue => "[unknown]",
        OutputValue { Secret: true } => "[secret]",
        OutputValue o => o.Value is null ? "[unknown]" : Describe(o.Value),
        ArrayValue => "a list",
        ObjectValue => "an object",
        ResourceReferenceValue => "a resource reference",
        _ => "an asset or archive",
    };
}
