using System.Text.Json.Nodes;
using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using PublicIp.Provider;

namespace PublicIp.Tests.RoundTrip;

/// <summary>
/// The "empty plan" rules Terraform's acceptance tests apply after every step, for any resource, through the
/// published binary: refresh then Diff of the same program is no change; import by id then Diff of a program that
/// names the real values is no change; an Update that changes nothing effective sends no mutating call.
/// Which inputs "the cloud reports" is read from schema.json (inputs that are also outputs), not listed per resource.
/// </summary>
public static class RoundTripInvariants
{
    private static readonly Lazy<JsonObject> Schema = new(() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json")))!.AsObject());

    private static readonly Lazy<PublicIpProvider> Declarations = new(() => new PublicIpProvider(_ => null));

    /// <summary>The provider's own settings (e.g. allowReassociation), of which the cloud keeps no trace for an import to read.</summary>
    public static IReadOnlyList<string> ProviderSideInputs(string type) =>
        [.. Declarations.Value.Resources[type].Declaration.Properties.Where(p => p.IsInput && p.ProviderSide).Select(p => p.Name)];

    /// <summary>Inputs whose value the cloud reports back as an output of the same name.</summary>
    public static IReadOnlyList<string> ReportedInputs(string type)
    {
        var resource = Schema.Value["resources"]![type]!.AsObject();
        var outputs = resource["properties"]!.AsObject();
        return [.. resource["inputProperties"]!.AsObject().Select(p => p.Key).Where(outputs.ContainsKey)];
    }

    /// <summary>The program plus every reported input it left out, set to the value the cloud reports.</summary>
    public static PropertyMap NamingRealValues(string type, PropertyMap program, PropertyMap outputs, IReadOnlyCollection<string> exclude)
    {
        var named = program;
        foreach (var key in ReportedInputs(type).Where(k => !program.ContainsKey(k) && !exclude.Contains(k)))
        {
            switch (outputs.Get(key))
            {
                case null or NullValue or StringValue { Value: "" }:
                    break;
                case ObjectValue { Properties.Count: 0 }:
                    break;
                case var value:
                    named = named.Set(key, value);
                    break;
            }
        }
        return named;
    }

    /// <param name="mutatingCalls">The mutating cloud calls seen so far (the EC2 proxy journal, the emulator's request log).</param>
    /// <param name="exclude">Reported inputs a program cannot name together with the ones it set (e.g. instanceId with networkInterfaceId).</param>
    public static async Task AssertAllAsync(LifecycleHarness h, ResourceSpec spec, Func<IReadOnlyList<string>> mutatingCalls, IReadOnlyCollection<string>? exclude = null)
    {
        exclude ??= [];
        var up = (await h.UpAsync(spec)).EnsureOk();

        // 1. refresh, then Diff of the same program: no change.
        (await h.RefreshAsync(spec.Name)).EnsureOk();
        var afterRefresh = (await h.PreviewAsync(spec)).EnsureOk();
        AssertNoChange(afterRefresh, $"{spec.Type} '{spec.Name}' after refresh");

        // 2. `pulumi import` by id, then Diff of a program naming the real values: no change. The import adopts what the
        // cloud reports, which has no trace of a provider-side setting: the import recorded its default, and a program
        // naming the real values leaves it out.
        var imported = spec with { Name = spec.Name + "-imported" };
        (await h.ImportAsync(spec.Type, imported.Name, up.Id!)).EnsureOk();
        var reported = h.State[imported.Name].Outputs;
        var real = imported with { Inputs = NamingRealValues(spec.Type, ProviderSideInputs(spec.Type).Aggregate(spec.Inputs, (m, k) => m.Remove(k)), reported, exclude) };
        var afterImport = (await h.PreviewAsync(real)).EnsureOk();
        AssertNoChange(afterImport, $"{spec.Type} imported as '{imported.Name}' with {Describe(real.Inputs)}");

        // 2b. the program naming the real values, its settings too, with the import option: the engine refuses the
        // import on any change.
        var adopted = spec with { Name = spec.Name + "-adopted", Inputs = NamingRealValues(spec.Type, spec.Inputs, reported, exclude) };
        var adopt = await h.ImportWithProgramAsync(adopted, up.Id!);
        Assert.True(adopt.Ok, $"{spec.Type} adopted by the import option with {Describe(adopted.Inputs)}: {adopt.Error}, Diff answered changes " +
            $"[{string.Join(", ", adopt.Diff?.Diffs ?? [])}] replaces [{string.Join(", ", adopt.Diff?.Replaces ?? [])}]");
        h.Forget(adopted.Name);

        // 3. an Update whose inputs change nothing effective (the program naming the real values) sends no mutating call.
        var entry = h.State[spec.Name];
        var check = await h.Client.CheckAsync(new CheckRequest
        {
            Urn = entry.Urn, Name = entry.Name, Type = entry.Type, Olds = PropertyCodec.Encode(entry.Inputs),
            News = PropertyCodec.Encode(NamingRealValues(spec.Type, spec.Inputs, entry.Outputs, exclude)),
        });
        Assert.Empty(check.Failures);
        var before = mutatingCalls().Count;
        var updated = await h.Client.UpdateAsync(new UpdateRequest
        {
            Id = entry.Id, Urn = entry.Urn, Name = entry.Name, Type = entry.Type,
            Olds = PropertyCodec.Encode(entry.Outputs), OldInputs = PropertyCodec.Encode(entry.Inputs), News = check.Inputs,
        });
        Assert.True(mutatingCalls().Count == before,
            $"a no-op Update of {spec.Type} '{spec.Name}' sent [{string.Join(", ", mutatingCalls().Skip(before))}]");
        Assert.NotNull(updated.Properties);

        h.Forget(imported.Name); // the same cloud resource: one destroy is enough
        (await h.DestroyAsync(spec.Name)).EnsureOk();
    }

    private static void AssertNoChange(StepResult step, string what)
    {
        Assert.True(step.Diff is not null && step.Diff.Changes != DiffResponse.Types.DiffChanges.DiffSome,
            $"{what}: expected no change, Diff answered changes [{string.Join(", ", step.Diff?.Diffs ?? [])}] replaces [{string.Join(", ", step.Diff?.Replaces ?? [])}]");
        Assert.Equal(["Check", "Diff"], step.Calls);
    }

    private static string Describe(PropertyMap inputs) => "{" + string.Join(", ", inputs.Select(kv => $"{kv.Key}: {Show(kv.Value)}")) + "}";

    private static string Show(PropertyValue value) => value switch
    {
        StringValue s => $"\"{s.Value}\"",
        BoolValue b => b.Value ? "true" : "false",
        NumberValue n => n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ObjectValue o => Describe(o.Properties),
        _ => value.ToString() ?? "",
    };
}
