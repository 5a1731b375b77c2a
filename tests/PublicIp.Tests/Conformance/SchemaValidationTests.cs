using System.Text.Json.Nodes;
using PublicIp.Harness;

namespace PublicIp.Tests.Conformance;

/// <summary>The repo-root schema.json against Pulumi's package metaschema (draft 2020-12, ajv on Node).</summary>
public class SchemaValidationTests
{
    [Fact]
    public async Task Repo_schema_satisfies_pulumi_package_metaschema()
    {
        var run = await NodeTools.RunScriptAsync("validate-schema.js", [Path.Combine(RepoPaths.Root, "schema.json")], TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, "schema.json does not satisfy Pulumi's package metaschema:\n" + run);
        Assert.Contains("\"publicip:aws:ElasticIp\"", run.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repo_schema_lists_the_lookups_and_every_type_they_refer_to_exists()
    {
        var schema = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema.json")))!.AsObject();
        var functions = schema["functions"]!.AsObject();
        Assert.Equal(["publicip:alicloud:getEipAddresses", "publicip:aws:getElasticIp", "publicip:aws:getElasticIps"],
            functions.Select(f => f.Key).Order(StringComparer.Ordinal));
        var refs = new List<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        if (key == "$ref")
                        {
                            refs.Add(value!.GetValue<string>());
                        }
                        Walk(value);
                    }
                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item);
                    }
                    break;
            }
        }
        Walk(functions);
        Assert.Equal(["#/types/publicip:alicloud:getEipAddressesAddress", "#/types/publicip:aws:AddressFilter"], refs.Distinct().Order(StringComparer.Ordinal));
        Assert.All(refs, r => Assert.NotNull(schema["types"]![r["#/types/".Length..]]));
        // The lookup returns what the resource outputs (less what only a resource has: its inputs' echo, allowReassociation).
        var resourceOutputs = schema["resources"]!["publicip:aws:ElasticIp"]!["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
        var lookupOutputs = functions["publicip:aws:getElasticIp"]!["outputs"]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Subset(resourceOutputs, lookupOutputs.ToHashSet());
        Assert.Contains("ptrRecord", lookupOutputs);
    }

    [Fact]
    public async Task A_broken_schema_is_rejected()
    {
        var schema = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema.json")))!.AsObject();
        schema["name"] = "9-starts-with-a-digit";
        var publicIp = schema["resources"]!["publicip:aws:ElasticIp"]!["properties"]!["publicIp"]!.AsObject();
        publicIp["type"] = "ipaddress";
        var broken = Path.Combine(Path.GetTempPath(), $"publicip-broken-schema-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(broken, schema.ToJsonString());
        try
        {
            var run = await NodeTools.RunScriptAsync("validate-schema.js", [broken], TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 1, "a broken schema was accepted:\n" + run);
            Assert.Contains("/name must match pattern", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("/resources/publicip:aws:ElasticIp/properties/publicIp/type", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
