using System.Collections.Immutable;

namespace PublicIp.Protocol.Values;

/// <summary>The kind of value an unknown stands for; Pulumi encodes each kind with its own sentinel.</summary>
public enum UnknownKind { String, Bool, Number, Array, Asset, Archive, Object }

/// <summary>
/// A Pulumi property value with its special forms (secrets, unknowns, resource references, output values)
/// kept explicit, so a resource can never mistake a sentinel string for a user's value.
/// </summary>
public abstract record PropertyValue
{
    public static readonly PropertyValue Null = new NullValue();

    public static PropertyValue Of(string? s) => s is null ? Null : new StringValue(s);
    public static PropertyValue Of(bool b) => new BoolValue(b);
    public static PropertyValue Of(double d) => new NumberValue(d);

    /// <summary>A map of strings (tags, labels): the inverse of <c>InputReader.StringMap</c>.</summary>
    public static ObjectValue Of(IReadOnlyDictionary<string, string> map) =>
        new(PropertyMap.From(map.Select(kv => KeyValuePair.Create(kv.Key, Of(kv.Value)))));
    /// <summary>A list of strings: the inverse of <c>InputReader.StringList</c>.</summary>
    public static ArrayValue Of(IReadOnlyList<string> items) => new([.. items.Select(Of)]);
    public static PropertyValue Unknown(UnknownKind kind = UnknownKind.String) => new UnknownValue(kind);

    /// <summary>True when this value, or any value inside it, is not known yet (preview only).</summary>
    public abstract bool ContainsUnknowns { get; }

    /// <summary>True when the value is a secret or holds one.</summary>
    public abstract bool ContainsSecrets { get; }

    public bool IsNull => this is NullValue;
}

public sealed record NullValue : PropertyValue
{
    public override bool ContainsUnknowns => false;
    public override bool ContainsSecrets => false;
}

public sealed record BoolValue(bool Value) : PropertyValue
{
    public override bool ContainsUnknowns => false;
    public override bool ContainsSecrets => false;
}

public sealed record NumberValue(double Value) : PropertyValue
{
    public override bool ContainsUnknowns => false;
    public override bool ContainsSecrets => false;
    public bool Equals(NumberValue? other) => other is not null && Value.Equals(other.Value);
    public override int GetHashCode() => Value.GetHashCode();
}

public sealed record StringValue(string Value) : PropertyValue
{
    public override bool ContainsUnknowns => false;
    public override bool ContainsSecrets => false;
}

public sealed record ArrayValue(ImmutableArray<PropertyValue> Items) : PropertyValue
{
    public override bool ContainsUnknowns => Items.Any(i => i.ContainsUnknowns);
    public override bool ContainsSecrets => Items.Any(i => i.ContainsSecrets);
    public bool Equals(ArrayValue? other) => other is not null && Items.SequenceEqual(other.Items);
    public override int GetHashCode() => Items.Length;
}

public sealed record ObjectValue(PropertyMap Properties) : PropertyValue
{
    public override bool ContainsUnknowns => Properties.Values.Any(v => v.ContainsUnknowns);
    public override bool ContainsSecrets => Properties.Values.Any(v => v.ContainsSecrets);
}

public sealed record SecretValue(PropertyValue Value) : PropertyValue
{
    public override bool ContainsUnknowns => Value.ContainsUnknowns;
    public override bool ContainsSecrets => true;

    // A record prints its members; a secret must never reach a log line that way.
    public override string ToString() => "[secret]";
}

public sealed record UnknownValue(UnknownKind Kind) : PropertyValue
{
    public override bool ContainsUnknowns => true;
    public override bool ContainsSecrets => false;
}

/// <summary>A reference to another resource; the id is absent for components and may be unknown in previews.</summary>
public sealed record ResourceReferenceValue(string Urn, PropertyValue? Id, string PackageVersion) : PropertyValue
{
    public override bool ContainsUnknowns => Id?.ContainsUnknowns ?? false;
    public override bool ContainsSecrets => false;
}

/// <summary>An output value: a value (or none, when unknown) with secretness and dependencies attached.</summary>
public sealed record OutputValue(PropertyValue? Value, bool Secret, ImmutableArray<string> Dependencies) : PropertyValue
{
    public bool IsKnown => Value is not null;
    public override bool ContainsUnknowns => Value is null || Value.ContainsUnknowns;
    public override bool ContainsSecrets => Secret || (Value?.ContainsSecrets ?? false);
    public bool Equals(OutputValue? other) =>
        other is not null && Equals(Value, other.Value) && Secret == other.Secret && Dependencies.SequenceEqual(other.Dependencies);
    public override int GetHashCode() => HashCode.Combine(Value, Secret, Dependencies.Length);
}

/// <summary>
/// Assets, archives and byte strings: kept verbatim (signature plus fields) because no resource here
/// consumes them, but they must survive a round trip through the provider unchanged.
/// </summary>
public sealed record OpaqueValue(string Signature, PropertyMap Fields) : PropertyValue
{
    public override bool ContainsUnknowns => false;
    public override bool ContainsSecrets => false;
}
