using System.Collections.Immutable;
using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>The schema types a declared property can have.</summary>
public enum PropertyType { String, Boolean, Integer, StringMap, StringList, ObjectList }

/// <summary>
/// What the schema, the README and the generic resource code know about one property: the single place it is
/// described. Built by <see cref="Declare{TArgs,TState}"/> (resources, functions) or directly (configuration keys).
/// </summary>
public sealed record PropertySpec(string Name, PropertyType Type, string Description)
{
    /// <summary>What the output means when it differs from the input's meaning (e.g. "as EC2 reports it").</summary>
    public string? OutputDescription { get; init; }
    public bool IsInput { get; init; }
    public bool IsOutput { get; init; }
    public bool RequiredInput { get; init; }
    /// <summary>The output always has a value once the resource exists.</summary>
    public bool RequiredOutput { get; init; }
    public bool Secret { get; init; }
    public bool ReplaceOnChange { get; init; }
    /// <summary>
    /// The cloud chooses the value when the program leaves it out (Terraform's Optional+Computed): leaving it out is
    /// no change, and naming the value the cloud already reports is no change either.
    /// </summary>
    public bool Computed { get; init; }
    /// <summary>
    /// Naming the value the cloud already reports is no change, but leaving the input out still is one (unlike
    /// <see cref="Computed"/>, which implies this): e.g. an association an import did not adopt into the inputs.
    /// </summary>
    public bool MatchesReported { get; init; }
    /// <summary>
    /// The provider's own setting, of which the cloud keeps no trace (it shapes what the provider does next: the next
    /// association, the release). Import cannot read it back, so an import adopts whatever the program names;
    /// refresh keeps the program's value.
    /// </summary>
    public bool ProviderSide { get; init; }
    /// <summary>A string, bool or int, by <see cref="Type"/>.</summary>
    public object? Default { get; init; }
    public IReadOnlyList<string>? Allowed { get; init; }
    public int Min { get; init; } = int.MinValue;
    public int Max { get; init; } = int.MaxValue;
    /// <summary>A schema type Pulumi writes other than by <see cref="Type"/> (a union, a reference to an object type), as JSON members.</summary>
    public string? RawType { get; init; }
    /// <summary>Environment variables probed when the value is unset (configuration keys).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    public string InputDescription => Description;
    public string OutputText => OutputDescription ?? Description;
}

/// <summary>The typed half of a property: how its value moves between a property map and the args or state record.</summary>
public interface IDeclaredProperty<TArgs, TState>
{
    PropertySpec Spec { get; }
    TArgs ReadInput(InputReader reader, TArgs args);
    PropertyMap WriteInput(PropertyMap map, TArgs args);
    TState ReadOutput(InputReader reader, TState state);
    PropertyMap WriteOutput(PropertyMap map, TState state);
    /// <summary>The input that reproduces what the cloud reports (import, refresh).</summary>
    PropertyMap ReadBack(PropertyMap map, TState state, TArgs? oldArgs);
}

/// <summary>How values of one CLR type are read with an <see cref="InputReader"/> and written back.</summary>
public abstract class ValueCodec<T>
{
    public abstract PropertyType Type { get; }
    /// <summary>The typed value, or the declared default (or the type's empty value) when unset.</summary>
    public abstract T Read(InputReader reader, PropertySpec spec);
    /// <summary>The wire value; null for "unset" (which inputs leave out and outputs write as null).</summary>
    public abstract PropertyValue? Write(T value);
    public virtual bool IsUnset(T value) => Write(value) is null;
}

public static class Codecs
{
    public static readonly ValueCodec<string?> String = new StringCodec();
    public static readonly ValueCodec<bool> Boolean = new BoolCodec();
    public static readonly ValueCodec<int?> Integer = new IntCodec();
    public static readonly ValueCodec<ImmutableSortedDictionary<string, string>> StringMap = new MapCodec();
    public static readonly ValueCodec<IReadOnlyList<string>?> StringList = new ListCodec();

    /// <summary>The schema type of an <see cref="ObjectListCodec{TItem}"/> property: an array of the item's object type.</summary>
    public static string ObjectListType(string typeToken) => @"{""type"": ""array"", ""items"": {""$ref"": ""#/types/" + typeToken + @"""}}";

    private sealed class ListCodec : ValueCodec<IReadOnlyList<string>?>
    {
        public override PropertyType Type => PropertyType.StringList;
        public override IReadOnlyList<string>? Read(InputReader r, PropertySpec spec)
        {
            var list = r.StringList(spec.Name);
            if (spec.RequiredInput && spec.IsInput && !r.IsUnknown(spec.Name) && (list is { Count: 0 } || !r.IsSet(spec.Name)))
            {
                r.Fail(spec.Name, list is null ? $"'{spec.Name}' is required" : $"'{spec.Name}' must list at least one value");
            }
            return list;
        }
        // Unset and empty differ: an empty list is a choice (e.g. "no guard names"), unset takes the default.
        public override PropertyValue? Write(IReadOnlyList<string>? value) => value is null ? null : PropertyValue.Of(value);
    }

    private sealed class StringCodec : ValueCodec<string?>
    {
        public override PropertyType Type => PropertyType.String;
        public override string? Read(InputReader r, PropertySpec spec) =>
            r.String(spec.Name, spec.RequiredInput && spec.IsInput, spec.Allowed) ?? spec.Default as string;
        public override PropertyValue? Write(string? value) => value is null ? null : PropertyValue.Of(value);
        // Clouds report an unset name or description as "": that is no input, not an input of "".
        public override bool IsUnset(string? value) => string.IsNullOrEmpty(value);
    }

    private sealed class BoolCodec : ValueCodec<bool>
    {
        public override PropertyType Type => PropertyType.Boolean;
        public override bool Read(InputReader r, PropertySpec spec) => r.Bool(spec.Name) ?? spec.Default as bool? ?? false;
        public override PropertyValue? Write(bool value) => PropertyValue.Of(value);
    }

    private sealed class IntCodec : ValueCodec<int?>
    {
        public override PropertyType Type => PropertyType.Integer;
        public override int? Read(InputReader r, PropertySpec spec) => r.Integer(spec.Name, spec.Min, spec.Max) ?? spec.Default as int?;
        public override PropertyValue? Write(int? value) => value is { } v ? PropertyValue.Of(v) : null;
    }

    private sealed class MapCodec : ValueCodec<ImmutableSortedDictionary<string, string>>
    {
        public override PropertyType Type => PropertyType.StringMap;
        public override ImmutableSortedDictionary<string, string> Read(InputReader r, PropertySpec spec) =>
            r.StringMap(spec.Name) ?? ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
        public override PropertyValue? Write(ImmutableSortedDictionary<string, string> value) => PropertyValue.Of(value);
        // An empty map is what an unset one reads as: inputs leave it out, outputs still report {}.
        public override bool IsUnset(ImmutableSortedDictionary<string, string> value) => value.Count == 0;
    }
}

/// <summary>One declared property: its spec and the accessors of the args and state records that hold it.</summary>
public sealed class DeclaredProperty<TArgs, TState, T>(PropertySpec spec, ValueCodec<T> codec) : IDeclaredProperty<TArgs, TState>
{
    private Func<TArgs, T>? _getInput;
    private Func<TArgs, T, TArgs>? _setInput;
    private Func<TState, T>? _getOutput;
    private Func<TState, T, TState>? _setOutput;
    private Func<TState, TArgs?, T>? _readBack;
    private Func<T, string?>? _problem;

    public PropertySpec Spec { get; private set; } = spec with { };

    /// <summary>A program input, held by the args record.</summary>
    public DeclaredProperty<TArgs, TState, T> Input(Func<TArgs, T> get, Func<TArgs, T, TArgs> set)
    {
        (_getInput, _setInput) = (get, set);
        Spec = Spec with { IsInput = true };
        return this;
    }

    /// <summary>An output, held by the state record. An input that is also an output is read back from it on import.</summary>
    public DeclaredProperty<TArgs, TState, T> Output(Func<TState, T> get, Func<TState, T, TState> set, string? description = null, bool required = false)
    {
        (_getOutput, _setOutput) = (get, set);
        Spec = Spec with { IsOutput = true, OutputDescription = description ?? Spec.OutputDescription, RequiredOutput = required };
        return this;
    }

    /// <summary>How import and refresh derive this input from what the cloud reports, when it is not simply the output.</summary>
    public DeclaredProperty<TArgs, TState, T> ReadBack(Func<TState, TArgs?, T> readBack)
    {
        _readBack = readBack;
        return this;
    }

    /// <summary>A rule on the value alone; the message names what is wrong (the property is named by the failure).</summary>
    public DeclaredProperty<TArgs, TState, T> Check(Func<T, string?> problem)
    {
        _problem = problem;
        return this;
    }

    public DeclaredProperty<TArgs, TState, T> Required() => With(Spec with { RequiredInput = true });
    public DeclaredProperty<TArgs, TState, T> ReplaceOnChange() => With(Spec with { ReplaceOnChange = true });
    public DeclaredProperty<TArgs, TState, T> Computed() => With(Spec with { Computed = true, MatchesReported = true });
    public DeclaredProperty<TArgs, TState, T> MatchesReported() => With(Spec with { MatchesReported = true });
    public DeclaredProperty<TArgs, TState, T> ProviderSide() => With(Spec with { ProviderSide = true });
    public DeclaredProperty<TArgs, TState, T> Secret() => With(Spec with { Secret = true });
    public DeclaredProperty<TArgs, TState, T> Default(object value) => With(Spec with { Default = value });
    public DeclaredProperty<TArgs, TState, T> Allowed(params string[] values) => With(Spec with { Allowed = values });
    public DeclaredProperty<TArgs, TState, T> Range(int min, int max) => With(Spec with { Min = min, Max = max });

    private DeclaredProperty<TArgs, TState, T> With(PropertySpec spec)
    {
        Spec = spec;
        return this;
    }

    public TArgs ReadInput(InputReader reader, TArgs args)
    {
        if (_setInput is null)
        {
            return args;
        }
        var value = codec.Read(reader, Spec);
        if (_problem is not null && value is not null && _problem(value) is { } problem)
        {
            reader.Fail(Spec.Name, problem);
        }
        return _setInput(args, value);
    }

    public PropertyMap WriteInput(PropertyMap map, TArgs args)
    {
        if (_getInput is null)
        {
            return map;
        }
        var value = _getInput(args);
        return codec.IsUnset(value) ? map : map.SetIfNotNull(Spec.Name, codec.Write(value));
    }

    public TState ReadOutput(InputReader reader, TState state) => _setOutput is null ? state : _setOutput(state, codec.Read(reader, Spec));

    public PropertyMap WriteOutput(PropertyMap map, TState state) =>
        _getOutput is null ? map : map.Set(Spec.Name, codec.Write(_getOutput(state)) ?? PropertyValue.Null);

    public PropertyMap ReadBack(PropertyMap map, TState state, TArgs? oldArgs)
    {
        if (_getInput is null)
        {
            return map;
        }
        if (Spec.ProviderSide && oldArgs is null)
        {
            return map;
        }
        var value = _readBack is not null ? _readBack(state, oldArgs)
            : Spec.ProviderSide ? _getInput(oldArgs!)
            : _getOutput is not null ? _getOutput(state)
            : oldArgs is not null ? _getInput(oldArgs)
            : default;
        return value is null || codec.IsUnset(value) ? map : map.SetIfNotNull(Spec.Name, codec.Write(value));
    }
}

/// <summary>Starts property declarations for one args/state pair, so the accessor lambdas are typed.</summary>
public sealed class Declare<TArgs, TState>
{
    public DeclaredProperty<TArgs, TState, string?> String(string name, string description) => new(new(name, PropertyType.String, description), Codecs.String);
    public DeclaredProperty<TArgs, TState, bool> Boolean(string name, string description) => new(new(name, PropertyType.Boolean, description), Codecs.Boolean);
    public DeclaredProperty<TArgs, TState, int?> Integer(string name, string description) => new(new(name, PropertyType.Integer, description), Codecs.Integer);
    public DeclaredProperty<TArgs, TState, ImmutableSortedDictionary<string, string>> StringMap(string name, string description) =>
        new(new(name, PropertyType.StringMap, description), Codecs.StringMap);
    public DeclaredProperty<TArgs, TState, IReadOnlyList<string>?> StringList(string name, string description) =>
        new(new(name, PropertyType.StringList, description), Codecs.StringList);
}

/// <summary>What the schema writer needs of a resource or function, without its CLR types.</summary>
public interface IDeclaration
{
    string Token { get; }
    string Description { get; }
    IReadOnlyList<PropertySpec> Properties { get; }
}

/// <summary>
/// A resource's (or function's) properties, declared once. Everything generic is derived from it: typed reading with
/// CheckFailures, state writing and reading, output names, replace-on-change, computed inputs, the inputs Read returns
/// for import, and the schema entry. Plain delegates over records: nothing here needs reflection, so it stays AOT-clean.
/// </summary>
public sealed class Declaration<TArgs, TState> : IDeclaration
    where TArgs : new()
    where TState : new()
{
    private readonly IDeclaredProperty<TArgs, TState>[] _properties;

    public Declaration(string token, string description, params IDeclaredProperty<TArgs, TState>[] properties)
    {
        Token = token;
        Description = description;
        _properties = properties;
        // A function may name an argument and a result alike (allocationId in, allocationId out) as two declarations.
        var duplicate = properties.GroupBy(p => p.Spec.Name).FirstOrDefault(g => g.Count(p => p.Spec.IsInput) > 1 || g.Count(p => p.Spec.IsOutput) > 1
            || g.Any(p => !p.Spec.IsInput && !p.Spec.IsOutput) && g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{token} declares '{duplicate.Key}' more than once");
        }
        Properties = [.. properties.Select(p => p.Spec)];
        OutputNames = [.. Properties.Where(p => p.IsOutput).Select(p => p.Name).Distinct(StringComparer.Ordinal)];
        ReplaceOnChanges = Properties.Where(p => p.IsInput && p.ReplaceOnChange).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        ComputedInputs = Properties.Where(p => p.IsInput && p.Computed).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        MatchedInputs = Properties.Where(p => p.IsInput && p.MatchesReported).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        ProviderSideInputs = Properties.Where(p => p.IsInput && p.ProviderSide).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    public string Token { get; }
    public string Description { get; }
    public IReadOnlyList<PropertySpec> Properties { get; }
    public IReadOnlyList<string> OutputNames { get; }
    public IReadOnlySet<string> ReplaceOnChanges { get; }
    public IReadOnlySet<string> ComputedInputs { get; }
    /// <summary>Inputs for which naming the reported value is no change (every computed input, and those declared <c>MatchesReported</c>).</summary>
    public IReadOnlySet<string> MatchedInputs { get; }
    /// <summary>Inputs the cloud keeps no trace of (see <see cref="PropertySpec.ProviderSide"/>).</summary>
    public IReadOnlySet<string> ProviderSideInputs { get; }

    /// <summary>
    /// These outputs (all when none are named) as result properties of a function with its own args record: a
    /// lookup that returns "the same outputs as the resource" takes them from the resource's declaration.
    /// </summary>
    public IDeclaredProperty<TOtherArgs, TState>[] OutputsFor<TOtherArgs>(params string[] names)
    {
        var unknown = names.Where(n => !OutputNames.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{Token} has no output {string.Join(", ", unknown)}");
        }
        return [.. _properties.Where(p => p.Spec.IsOutput && (names.Length == 0 || names.Contains(p.Spec.Name, StringComparer.Ordinal)))
            .Select(p => new OutputOnly<TOtherArgs, TArgs, TState>(p))];
    }

    public TArgs ReadArgs(InputReader reader) => _properties.Aggregate(new TArgs(), (a, p) => p.ReadInput(reader, a));

    public TState ReadState(PropertyMap outputs)
    {
        var reader = new InputReader(outputs);
        return _properties.Aggregate(new TState(), (s, p) => p.ReadOutput(reader, s));
    }

    public PropertyMap WriteArgs(TArgs args) => _properties.Aggregate(PropertyMap.Empty, (m, p) => p.WriteInput(m, args));

    public PropertyMap WriteState(TState state) => _properties.Aggregate(PropertyMap.Empty, (m, p) => p.WriteOutput(m, state));

    /// <summary>The inputs that reproduce <paramref name="state"/>; on refresh, inputs the cloud cannot report keep the program's value.</summary>
    public PropertyMap ReadBack(TState state, TArgs? oldArgs) => _properties.Aggregate(PropertyMap.Empty, (m, p) => p.ReadBack(m, state, oldArgs));

    /// <summary>Unset inputs that have a default, written into the checked inputs so the state records what was applied.</summary>
    public PropertyMap WithDefaults(PropertyMap news) =>
        Properties.Where(p => p.IsInput && p.Default is not null && !news.ContainsKey(p.Name))
            .Aggregate(news, (m, p) => m.Set(p.Name, p.Default switch
            {
                string s => PropertyValue.Of(s),
                bool b => PropertyValue.Of(b),
                int i => PropertyValue.Of(i),
                _ => throw new InvalidOperationException($"{Token}.{p.Name}: unsupported default {p.Default}"),
            }));
}

/// <summary>Another declaration's output, without its input half (see <see cref="Declaration{TArgs,TState}.OutputsFor{TOtherArgs}"/>).</summary>
internal sealed class OutputOnly<TArgs, TInnerArgs, TState>(IDeclaredProperty<TInnerArgs, TState> inner) : IDeclaredProperty<TArgs, TState>
{
    public PropertySpec Spec { get; } = inner.Spec with
    {
        Description = inner.Spec.OutputText, OutputDescription = null, IsInput = false, RequiredInput = false, ReplaceOnChange = false,
        Computed = false, Default = null, Allowed = null,
    };

    public TArgs ReadInput(InputReader reader, TArgs args) => args;
    public PropertyMap WriteInput(PropertyMap map, TArgs args) => map;
    public TState ReadOutput(InputReader reader, TState state) => inner.ReadOutput(reader, state);
    public PropertyMap WriteOutput(PropertyMap map, TState state) => inner.WriteOutput(map, state);
    public PropertyMap ReadBack(PropertyMap map, TState state, TArgs? oldArgs) => map;
}

/// <summary>
/// A list of objects, each declared as its own <see cref="Declaration{TArgs,TState}"/> and named in the schema by
/// <c>typeToken</c> (<see cref="SchemaWriter.ObjectType"/> writes that type from the same declaration). As an
/// input each element is read like a resource's inputs (a failure names <c>filters[1].values</c>); as an output
/// each element is the item's outputs.
/// </summary>
public sealed class ObjectListCodec<TItem>(Declaration<TItem, TItem> item, bool asInput) : ValueCodec<IReadOnlyList<TItem>>
    where TItem : new()
{
    public override PropertyType Type => PropertyType.ObjectList;

    public override IReadOnlyList<TItem> Read(InputReader reader, PropertySpec spec)
    {
        switch (reader.Value(spec.Name))
        {
            case null:
                return [];
            case ArrayValue array:
                var items = new List<TItem>();
                for (var i = 0; i < array.Items.Length; i++)
                {
                    var at = $"{spec.Name}[{i}]";
                    var element = array.Items[i] is SecretValue s ? s.Value : array.Items[i];
                    if (element is not ObjectValue o)
                    {
                        reader.Fail(at, $"'{at}' must be an object, not {(reader.IsSecret(spec.Name) || array.Items[i] is SecretValue ? "a secret value" : PropertyCodec.Describe(element))}");
                        continue;
                    }
                    // A secret list (or element) keeps its values out of the failures its elements' readers write.
                    var secret = reader.IsSecret(spec.Name) || array.Items[i] is SecretValue;
                    var inner = new InputReader(secret ? PropertyMap.From(o.Properties.Select(kv => KeyValuePair.Create(kv.Key, (PropertyValue)new SecretValue(kv.Value)))) : o.Properties);
                    var value = asInput ? item.ReadArgs(inner) : item.ReadState(o.Properties);
                    foreach (var unread in asInput ? inner.UnreadProperties.ToList() : [])
                    {
                        inner.Fail(unread, $"'{unread}' is not a property of {item.Token}");
                    }
                    foreach (var failure in inner.Failures)
                    {
                        reader.Fail($"{at}.{failure.Property}", failure.Reason.Replace($"'{failure.Property}'", $"'{at}.{failure.Property}'", StringComparison.Ordinal));
                    }
                    items.Add(value);
                }
                return items;
            case var other:
                reader.Fail(spec.Name, $"'{spec.Name}' must be a list of objects, not {(reader.IsSecret(spec.Name) ? "a secret value" : PropertyCodec.Describe(other))}");
                return [];
        }
    }

    public override PropertyValue? Write(IReadOnlyList<TItem> value) =>
        new ArrayValue([.. value.Select(v => (PropertyValue)new ObjectValue(asInput ? item.WriteArgs(v) : item.WriteState(v)))]);

    public override bool IsUnset(IReadOnlyList<TItem> value) => asInput && value.Count == 0;

}
