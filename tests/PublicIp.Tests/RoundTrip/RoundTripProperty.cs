using System.Collections.Immutable;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using PublicIp.Harness;

namespace PublicIp.Tests.RoundTrip;

/// <summary>
/// One program a user could write for a resource: its inputs in order, where a value in angle brackets
/// (<c>&lt;instance&gt;</c>) names something of the test's world that the run puts in (an id known only then), so a
/// printed failing program reads as what the user wrote.
/// </summary>
public sealed record GeneratedProgram(ImmutableArray<(string Key, object? Value)> Inputs)
{
    /// <summary>The program of the inputs that are there (a generator's "left out" is null).</summary>
    public static GeneratedProgram Of(params (string Key, object? Value)?[] inputs) => new([.. inputs.OfType<(string, object?)>()]);

    public object? this[string key] => Inputs.FirstOrDefault(i => i.Key == key).Value;

    public bool Has(string key) => Inputs.Any(i => i.Key == key);

    /// <summary>The program with one input left out, for each input but the required ones.</summary>
    public IEnumerable<GeneratedProgram> WithOneLess(IReadOnlyCollection<string> required) =>
        Inputs.Where(i => !required.Contains(i.Key)).Select(i => new GeneratedProgram(Inputs.Remove(i)));

    /// <summary>The inputs with every placeholder replaced by what <paramref name="resolve"/> says it is in this run.</summary>
    public PropertyMapSpec Resolve(Func<string, object?> resolve) =>
        new([.. Inputs.Select(i => (i.Key, i.Value is string s && s.StartsWith('<') && s.EndsWith('>') ? resolve(s) : i.Value))]);

    public override string ToString() => "{" + string.Join(", ", Inputs.Select(i => $"{i.Key}: {Show(i.Value)}")) + "}";

    private static string Show(object? value) => value switch
    {
        string s when s.StartsWith('<') => s,
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IReadOnlyDictionary<string, string> map => "{" + string.Join(", ", map.Select(kv => $"\"{kv.Key}\": \"{kv.Value}\"")) + "}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"{value}",
    };
}

/// <summary>A program's inputs with the test's world put in, ready for <see cref="Props.Map"/>.</summary>
public sealed record PropertyMapSpec((string Key, object? Value)[] Inputs)
{
    public ResourceSpec For(string type, string name) => new(type, name, Props.Map(Inputs));
}

/// <summary>
/// Runs a round-trip property over generated programs: few cases (each is a whole lifecycle through the published
/// binary against an emulated cloud), a fixed seed so every run tries the same programs (set
/// PUBLICIP_ROUNDTRIP_SEED="seed,gamma" to explore others; FsCheck prints the seed with a failure), and shrinking
/// that only leaves inputs out, at most <see cref="MaxShrinks"/> runs, so a failure ends with a small program soon.
/// </summary>
public static class RoundTripProperty
{
    public const int MaxShrinks = 8;

    private static readonly Rnd DefaultSeed = new(1414, 2027);

    public static void Check(Gen<GeneratedProgram> programs, Func<GeneratedProgram, bool> valid, IReadOnlyCollection<string> required,
        Action<GeneratedProgram> run, int cases)
    {
        var shrinksLeft = MaxShrinks;
        var arbitrary = Arb.From(programs, p => p.WithOneLess(required).Where(valid).TakeWhile(_ => shrinksLeft-- > 0));
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(Seed(), FSharpOption<int>.None)));
        // An assertion that throws fails the case with its message.
        FsCheck.Check.One(config, Prop.ForAll(arbitrary, program =>
        {
            run(program);
            return true;
        }));
    }

    private static Rnd Seed()
    {
        if (Environment.GetEnvironmentVariable("PUBLICIP_ROUNDTRIP_SEED") is { Length: > 0 } text)
        {
            var parts = text.Trim('(', ')', ' ').Split(',', StringSplitOptions.TrimEntries);
            return new Rnd(ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return DefaultSeed;
    }

    public static (string Key, object? Value)? Input(string key, object? value) => (key, value);

    /// <summary>The input, or nothing: half the programs leave an optional input out.</summary>
    public static Gen<(string Key, object? Value)?> Maybe<T>(string key, params T[] values) =>
        Gen.OneOf(Gen.Constant<(string, object?)?>(null), Gen.Elements(values).Select(v => Input(key, v)));

    /// <summary>
    /// 0–3 tags from a safe alphabet that both clouds accept (no reserved prefix), with unicode, spaces and
    /// punctuation in keys and values, and empty values.
    /// </summary>
    public static Gen<(string Key, object? Value)?> Tags { get; } =
        Gen.Choose(0, 3).SelectMany(n => Gen.Elements("team", "env", "Name", "コスト", "ümlaut key", "a.b/c:d", "x-y_z@q", "+=")
            .Zip(Gen.Elements("", "net", "prod", "日本語", "ü ß ç", "a=b", "with space", "emoji 🚀"))
            .ListOf(n)
            .Select(kvs => n == 0 ? null : ((string, object?)?)("tags",
                (IReadOnlyDictionary<string, string>)kvs.GroupBy(kv => kv.Item1).ToImmutableSortedDictionary(g => g.Key, g => g.First().Item2, StringComparer.Ordinal))));

    /// <summary>The cleanup that keeps one failing case from breaking the next: whatever the harness still holds is destroyed.</summary>
    public static async Task DestroyLeftoversAsync(LifecycleHarness h)
    {
        foreach (var name in h.State.Keys.ToList())
        {
            await h.DestroyAsync(name);
            h.Forget(name);
        }
    }
}
