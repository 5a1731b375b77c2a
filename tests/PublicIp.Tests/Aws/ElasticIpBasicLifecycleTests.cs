using Amazon.EC2.Model;
using Grpc.Core;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>The first resource end to end: the published binary, the harness playing the engine, moto behind a proxy.</summary>
public class ElasticIpBasicLifecycleTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";

    private async Task<bool> ExistsInMotoAsync(string allocationId)
    {
        var all = await aws.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        return (all.Addresses ?? []).Any(a => a.AllocationId == allocationId);
    }

    [Fact]
    public async Task Preview_up_refresh_destroy_leaves_no_address_behind()
    {
        await using var h = await aws.StartPluginAsync();
        var spec = new ResourceSpec(Type, "web", Props.Map(("tags", new Dictionary<string, string> { ["team"] = "net" })));

        var preview = (await h.PreviewAsync(spec)).EnsureOk();
        Assert.Equal("", preview.Id);
        Assert.IsType<PublicIp.Protocol.Values.UnknownValue>(preview.Outputs.Get("publicIp"));
        Assert.Equal("vpc", preview.Outputs.Str("domain"));

        var up = (await h.UpAsync(spec)).EnsureOk();
        Assert.StartsWith("eipalloc-", up.Id, StringComparison.Ordinal);
        Assert.Equal(up.Id, up.Outputs.Str("allocationId"));
        Assert.False(string.IsNullOrEmpty(up.Outputs.Str("publicIp")));
        Assert.True(await ExistsInMotoAsync(up.Id!));

        var refresh = (await h.RefreshAsync("web")).EnsureOk();
        Assert.Equal(up.Outputs.Str("publicIp"), refresh.Outputs.Str("publicIp"));

        var second = (await h.UpAsync(spec)).EnsureOk();
        Assert.Equal(["Check", "Diff"], second.Calls);

        (await h.DestroyAsync("web")).EnsureOk();
        Assert.False(await ExistsInMotoAsync(up.Id!));
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task Bad_input_is_a_check_failure_naming_the_property()
    {
        await using var h = await aws.StartPluginAsync();
        var result = await h.UpAsync(new ResourceSpec(Type, "bad", Props.Map(("domain", "classic"), ("allowReassociation", 3), ("colour", "red"))));
        Assert.Equal(StatusCode.OK, result.Code);
        Assert.Equal(["Check"], result.Calls);
        Assert.Contains(result.CheckFailures, f => f.Property == "domain" && f.Reason.Contains("\"vpc\"", StringComparison.Ordinal));
        Assert.Contains(result.CheckFailures, f => f.Property == "allowReassociation");
        Assert.Contains(result.CheckFailures, f => f.Property == "colour");
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task Secret_tags_stay_secret_in_outputs()
    {
        await using var h = await aws.StartPluginAsync();
        var spec = new ResourceSpec(Type, "secret-tags", Props.Map(("tags", Props.Secret(new Dictionary<string, string> { ["owner"] = "alice" }))));
        var up = (await h.UpAsync(spec)).EnsureOk();
        Assert.IsType<PublicIp.Protocol.Values.SecretValue>(up.Outputs.Get("tags"));
        Assert.IsNotType<PublicIp.Protocol.Values.SecretValue>(up.Outputs.Get("publicIp"));
        (await h.DestroyAsync("secret-tags")).EnsureOk();
    }
}
