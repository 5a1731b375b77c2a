using PublicIp.Harness;
using PublicIp.Protocol.Resources;
using PublicIp.Provider;
using PublicIp.Provider.Docs;
using PublicIp.Tests.Conformance;

namespace PublicIp.Tests.Generated;

/// <summary>
/// schema.json and the README's reference tables are written from the declarations, never by hand. `make schema` runs
/// these with PUBLICIP_WRITE_GENERATED=1 to rewrite them; otherwise any difference fails with that instruction.
/// </summary>
public class GeneratedFilesTests
{
    private static bool Writing => Environment.GetEnvironmentVariable("PUBLICIP_WRITE_GENERATED") == "1";

    [Fact]
    public void Schema_json_is_what_the_declarations_generate()
    {
        var provider = new PublicIpProvider(_ => null);
        var generated = provider.GenerateSchema();
        var path = Path.Combine(RepoPaths.Root, "schema.json");
        if (Writing)
        {
            File.WriteAllText(path, generated);
            return;
        }
        var committed = File.ReadAllText(path);
        Assert.True(committed == generated, "schema.json differs from the resource, function and config declarations: run `make schema` and commit the result");
        Assert.True(provider.Schema == committed, "the provider embeds a schema.json other than the committed one: rebuild it");
    }

    [Fact]
    public void Readme_reference_tables_are_what_the_declarations_catalogues_and_retry_rules_generate()
    {
        var path = Path.Combine(RepoPaths.Root, "README.md");
        var committed = File.ReadAllText(path);
        var generated = ReferenceTables.Apply(committed, ReferenceTables.Generate(new PublicIpProvider(_ => null)));
        if (Writing)
        {
            File.WriteAllText(path, generated);
            return;
        }
        Assert.True(committed == generated, "README.md's reference tables differ from the declarations, catalogues and retry rules: run `make schema` and commit the result");
    }

    [Fact]
    public void A_readme_without_a_tables_markers_is_refused_rather_than_left_stale()
    {
        var tables = ReferenceTables.Generate(new PublicIpProvider(_ => null));
        var readme = string.Join("\n\n", tables.Keys.Where(k => k != "config").Select(k => ReferenceTables.Marker(k) + "\nold\n<!-- /generated:" + k + " -->"));
        var e = Assert.Throws<InvalidOperationException>(() => ReferenceTables.Apply(readme, tables));
        Assert.Contains("generated:config", e.Message, StringComparison.Ordinal);
        var complete = ReferenceTables.Apply(readme + "\n" + ReferenceTables.Marker("config") + "\n<!-- /generated:config -->\n", tables);
        Assert.DoesNotContain("\nold\n", complete, StringComparison.Ordinal);
        Assert.Contains("| `awsRegion` |", complete, StringComparison.Ordinal);
    }

    private sealed record LookupArgs
    {
        public string? PublicIp { get; init; }
    }

    private sealed record LookupResult
    {
        public string AllocationId { get; init; } = "";
        public string? PublicIp { get; init; }
    }

    [Fact]
    public async Task Invokes_declared_like_resources_are_written_as_schema_functions_that_pulumi_accepts()
    {
        var p = new Declare<LookupArgs, LookupResult>();
        var lookup = new Declaration<LookupArgs, LookupResult>("publicip:aws:getExample", "Looks an address up.",
            p.String("publicIp", "The address to find.").Input(a => a.PublicIp, (a, v) => a with { PublicIp = v }).Required()
                .Output(r => r.PublicIp, (r, v) => r with { PublicIp = v }),
            p.String("allocationId", "Its allocation id.").Output(r => r.AllocationId, (r, v) => r with { AllocationId = v ?? "" }, required: true));
        var package = new PublicIpProvider(_ => null).Package with { Functions = [lookup] };
        var path = Path.Combine(Path.GetTempPath(), $"publicip-functions-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, SchemaWriter.Write(package));
        try
        {
            var run = await NodeTools.RunScriptAsync("validate-schema.js", [path], TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 0, "a schema with functions does not satisfy Pulumi's package metaschema:\n" + run);
            var function = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!["functions"]!["publicip:aws:getExample"]!;
            Assert.Equal("publicIp", function["inputs"]!["required"]![0]!.GetValue<string>());
            Assert.Equal("allocationId", function["outputs"]!["required"]![0]!.GetValue<string>());
            Assert.NotNull(function["outputs"]!["properties"]!["publicIp"]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
