using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PublicIp.Harness;
using PublicIp.Tests.Alicloud;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Operator;

/// <summary>
/// Every release is recoverable while the cloud allows: the release warning names the address, its id, the time and
/// the exact `recover` command, and that command (the published binary's verb) gets the address back, against moto
/// (AllocateAddress with Address) and the Alibaba emulator (AllocateEipAddressPro with IpAddress), or says it is gone.
/// </summary>
public sealed class RecoverTests : IClassFixture<AwsFixture>, IClassFixture<AlibabaFixture>
{
    private readonly AwsFixture _aws;
    private readonly AlibabaFixture _ali;

    public RecoverTests(AwsFixture aws, AlibabaFixture ali)
    {
        _aws = aws;
        _ali = ali;
        aws.Reset();
    }

    private string[] AwsCredentials => ["--config", "awsAccessKey=testing", "--config", "awsSecretKey=testing", "--config", "awsMaxRetries=1"];

    /// <summary>The command the warning printed, split as a shell would, run through the published binary.</summary>
    private static string RecoverCommandIn(IEnumerable<string> warnings, string ip)
    {
        var warning = Assert.Single(warnings, w => w.Contains($"released {ip} (", StringComparison.Ordinal));
        var at = warning.IndexOf("pulumi-resource-publicip recover", StringComparison.Ordinal);
        Assert.True(at >= 0, warning);
        return warning[at..];
    }

    private static string[] Args(string command) => command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];

    [Fact]
    public async Task Release_warns_with_the_recover_command_which_gets_the_address_back_and_prints_the_import_line()
    {
        await using var h = await _aws.StartPluginAsync();
        var up = (await h.UpAsync(new ResourceSpec("publicip:aws:ElasticIp", "lost", Props.Map()))).EnsureOk();
        var ip = up.Outputs.Str("publicIp")!;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        (await h.DestroyAsync("lost")).EnsureOk();

        var warnings = AwsFixture.Said(h, Pulumirpc.LogSeverity.Warning);
        var command = RecoverCommandIn(warnings, ip);
        var warning = warnings.Single(w => w.Contains($"released {ip} ({up.Id})", StringComparison.Ordinal));
        var stamp = DateTimeOffset.Parse(warning.Split(" at ")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(stamp, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal($"pulumi-resource-publicip recover {ip} --cloud aws --region us-east-1 --config awsEndpoint={_aws.Proxy.Endpoint}", command);
        Assert.Null(await _aws.FindInMotoAsync(up.Id!));

        var recovered = await OperatorProcess.RunAsync([.. Args(command), .. AwsCredentials, "--output", "json"]);

        Assert.True(recovered.ExitCode == 0, recovered.ToString());
        var json = JsonNode.Parse(recovered.Stdout)!;
        Assert.Equal("recovered", (string?)json["result"]);
        Assert.Equal(ip, (string?)json["publicIp"]);
        var newId = (string)json["allocationId"]!;
        Assert.Equal($"pulumi import publicip:aws:ElasticIp recovered-{ip.Replace('.', '-')} {newId}", (string?)json["import"]);
        Assert.Equal(ip, (await _aws.FindInMotoAsync(newId))!.PublicIp);
        var allocate = Assert.Single(_aws.Proxy.Journal.For("AllocateAddress"), e => e.Get("Address") == ip);
        Assert.Equal("vpc", allocate.Get("Domain"));

        // The printed import line works: the recovered address is back under a stack, with no diff.
        var imported = (await h.ImportAsync("publicip:aws:ElasticIp", "lost", newId)).EnsureOk();
        Assert.Equal(ip, imported.Outputs.Str("publicIp"));
        Assert.Equal(["Check", "Diff"], (await h.UpAsync(new ResourceSpec("publicip:aws:ElasticIp", "lost", Props.Map()))).EnsureOk().Calls);
        (await h.DestroyAsync("lost")).EnsureOk();
    }

    [Fact]
    public async Task An_address_another_account_took_is_reported_as_no_longer_available()
    {
        var allocated = await _aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc });
        await _aws.Proxy.ReleaseToAnotherAccountAsync(allocated.AllocationId);

        var result = await OperatorProcess.RunAsync(["recover", allocated.PublicIp, "--region", "us-east-1", "--config", $"awsEndpoint={_aws.Proxy.Endpoint}", .. AwsCredentials]);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("no longer available", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("InvalidAddress.NotFound", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("pulumi import", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("InvalidAddress.NotFound", Assert.Single(_aws.Proxy.Journal.For("AllocateAddress")).ErrorCode);
    }

    [Fact]
    public async Task Recover_of_an_address_the_account_still_holds_changes_nothing_and_prints_its_import_line()
    {
        var allocated = await _aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc });
        var result = await OperatorProcess.RunAsync(["recover", allocated.PublicIp, "--region", "us-east-1", "--name", "web", "--config", $"awsEndpoint={_aws.Proxy.Endpoint}", .. AwsCredentials]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("already yours", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"pulumi import publicip:aws:ElasticIp web {allocated.AllocationId}", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(_aws.Proxy.Journal.For("AllocateAddress"));
        await _aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocated.AllocationId });
    }

    [Fact]
    public async Task Alibaba_EIP_release_warns_and_recover_gets_it_back_or_reports_it_gone()
    {
        await using var h = await _ali.StartPluginAsync();
        var kept = (await h.UpAsync(new ResourceSpec(AlibabaFixture.EipType, "kept", Props.Map()))).EnsureOk();
        var taken = (await h.UpAsync(new ResourceSpec(AlibabaFixture.EipType, "taken", Props.Map()))).EnsureOk();
        (await h.DestroyAsync("kept")).EnsureOk();
        (await h.DestroyAsync("taken")).EnsureOk();
        var ip = kept.Outputs.Str("ipAddress")!;
        var command = RecoverCommandIn(AwsFixture.Said(h, Pulumirpc.LogSeverity.Warning), ip);
        Assert.Equal($"pulumi-resource-publicip recover {ip} --cloud alicloud --region {AlibabaFixture.Region} --config alicloudVpcEndpoint={_ali.Emulator.Endpoint}", command);
        var env = new Dictionary<string, string?>(AlibabaFixture.CleanEnvironment)
        {
            ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = _ali.AccessKeyId,
            ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = _ali.Secret,
        };

        var recovered = await OperatorProcess.RunAsync([.. Args(command), "--name", "kept"], env);

        Assert.True(recovered.ExitCode == 0, recovered.ToString());
        var eip = Assert.Single(_ali.World.Eips, e => e.IpAddress == ip);
        Assert.Contains($"pulumi import publicip:alicloud:EipAddress kept {eip.AllocationId}", recovered.Stdout, StringComparison.Ordinal);
        Assert.Contains(_ali.Emulator.Requests, r => r.Action == "AllocateEipAddressPro" && r.Parameters.GetValueOrDefault("IpAddress") == ip);
        var imported = (await h.ImportAsync(AlibabaFixture.EipType, "kept", eip.AllocationId)).EnsureOk();
        Assert.Equal(ip, imported.Outputs.Str("ipAddress"));
        (await h.DestroyAsync("kept")).EnsureOk();
        _ali.AssertNoSecret(h);
        Assert.DoesNotContain(_ali.Secret, recovered.Stdout + recovered.Stderr, StringComparison.Ordinal);

        var takenIp = taken.Outputs.Str("ipAddress")!;
        _ali.World.TakeByAnotherAccount(takenIp);
        var gone = await OperatorProcess.RunAsync([.. Args(RecoverCommandIn(AwsFixture.Said(h, Pulumirpc.LogSeverity.Warning), takenIp))], env);
        Assert.True(gone.ExitCode == 4, gone.ToString());
        Assert.Contains("no longer available", gone.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(_ali.World.Eips, e => e.IpAddress == takenIp);
    }
}
