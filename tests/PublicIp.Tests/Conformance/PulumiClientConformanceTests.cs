using System.Text.Json;
using Amazon.EC2.Model;
using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Conformance;

/// <summary>
/// The published plugin driven by Pulumi's own generated gRPC client (@pulumi/pulumi 3.270.0 on Node), and our
/// proto subset compared field by field with Pulumi's stubs: if the .proto files drift, these fail.
/// </summary>
public class PulumiClientConformanceTests
{
    private static readonly string ProtoDir = Path.Combine(RepoPaths.Root, "provider", "PublicIp.Protocol", "Protos", "pulumi");

    [Fact]
    public async Task Pulumi_client_drives_full_lifecycle_on_moto_and_leaves_no_address()
    {
        var binary = RepoPaths.ProviderBinary;
        await using var moto = await MotoServer.StartAsync();

        var run = await NodeTools.RunScriptAsync("conformance.js", [binary, moto.Endpoint.ToString()], TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 0, "conformance.js failed:\n" + run);
        using var summary = JsonDocument.Parse(run.Summary);
        Assert.True(summary.RootElement.GetProperty("ok").GetBoolean(), run.ToString());
        Assert.Equal("3.270.0", summary.RootElement.GetProperty("pulumiStubs").GetString());
        Assert.StartsWith("eipalloc-", summary.RootElement.GetProperty("id").GetString(), StringComparison.Ordinal);
        var calls = summary.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(
            ["Handshake", "GetPluginInfo", "GetSchema", "CheckConfig", "Configure", "Check", "Diff", "Diff", "Create(preview)", "Create", "Read",
                "Invoke(getElasticIp)", "Invoke(getElasticIps)", "Invoke(secret)", "Invoke(bad)", "Delete", "Read(deleted)", "Cancel"],
            calls);

        using var ec2 = Ec2TestClient.Create(moto.Endpoint);
        var left = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        Assert.Empty(left.Addresses ?? []);
    }

    [Fact]
    public async Task Our_proto_subset_matches_pulumi_stubs()
    {
        var run = await NodeTools.RunScriptAsync("conformance.js", ["--protos-only", ProtoDir], TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, "proto subset differs from @pulumi/pulumi's stubs:\n" + run);
        using var summary = JsonDocument.Parse(run.Summary);
        Assert.True(summary.RootElement.GetProperty("proto").GetProperty("fields").GetInt32() > 100, run.ToString());
    }

    [Fact]
    public async Task A_drifted_field_number_or_name_is_reported()
    {
        var dir = Directory.CreateTempSubdirectory("publicip-proto-drift-");
        try
        {
            foreach (var file in Directory.GetFiles(ProtoDir, "*.proto"))
            {
                File.Copy(file, Path.Combine(dir.FullName, Path.GetFileName(file)));
            }
            var provider = Path.Combine(dir.FullName, "provider.proto");
            var text = await File.ReadAllTextAsync(provider);
            Assert.Contains("bool preview = 4;", text, StringComparison.Ordinal);
            Assert.Contains("bool hasDetailedDiff = 7;", text, StringComparison.Ordinal);
            text = text.Replace("bool preview = 4;", "bool preview = 9;", StringComparison.Ordinal)
                       .Replace("bool hasDetailedDiff = 7;", "bool has_detailed_diff = 7;", StringComparison.Ordinal);
            await File.WriteAllTextAsync(provider, text);

            var run = await NodeTools.RunScriptAsync("conformance.js", ["--protos-only", dir.FullName], TimeSpan.FromSeconds(30));

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("CreateRequest.preview: field number is 9 in our proto but 4 in Pulumi's", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("DiffResponse.has_detailed_diff", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
