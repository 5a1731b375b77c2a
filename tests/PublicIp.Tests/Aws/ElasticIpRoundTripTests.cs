using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Tests.RoundTrip;

namespace PublicIp.Tests.Aws;

/// <summary>
/// Import and refresh of publicip:aws:ElasticIp produce no diff, a no-op update sends nothing, and a replacement
/// that keeps a pinned address releases the old allocation first. Through the published binary, moto behind the proxy.
/// </summary>
public class ElasticIpRoundTripTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private IReadOnlyList<string> MutatingCalls() =>
        [.. Aws.Proxy.Journal.Entries.Where(e => !e.DryRun && !e.Action.StartsWith("Describe", StringComparison.Ordinal)).Select(e => e.Action)];

    [Fact]
    public async Task Unassociated_address_with_tags_round_trips()
    {
        await using var h = await Aws.StartPluginAsync();
        await RoundTripInvariants.AssertAllAsync(h, Spec("plain", ("tags", new Dictionary<string, string> { ["team"] = "net" })), MutatingCalls);
    }

    [Fact]
    public async Task Address_associated_by_instance_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        await RoundTripInvariants.AssertAllAsync(h, Spec("by-instance", ("instanceId", net.InstanceId)), MutatingCalls, exclude: ["networkInterfaceId"]);
    }

    [Fact]
    public async Task Address_associated_by_interface_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        await RoundTripInvariants.AssertAllAsync(h, Spec("by-eni", ("networkInterfaceId", net.NetworkInterfaceId)), MutatingCalls, exclude: ["instanceId"]);
    }

    // Found by AwsRoundTripProperties: EC2 keeps no trace of allowReassociation, so import read back the default
    // and a program that names false was a change (Pulumi refuses such an import).
    [Fact]
    public async Task Address_with_allowReassociation_false_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        await RoundTripInvariants.AssertAllAsync(h, Spec("no-takeover", ("instanceId", net.InstanceId), ("allowReassociation", false)), MutatingCalls,
            exclude: ["networkInterfaceId"]);
    }

    [Fact]
    public async Task Import_with_the_real_border_group_and_pool_is_no_change()
    {
        await using var h = await Aws.StartPluginAsync();
        var up = (await h.UpAsync(Spec("original"))).EnsureOk();

        (await h.ImportAsync(Type, "adopted", up.Id!)).EnsureOk();
        var diff = (await h.PreviewAsync(Spec("adopted", ("networkBorderGroup", "us-east-1"), ("publicIpv4Pool", "amazon")))).EnsureOk();

        Assert.Equal(["Check", "Diff"], diff.Calls);
        Assert.NotEqual(DiffResponse.Types.DiffChanges.DiffSome, diff.Diff!.Changes);
        Assert.Equal("us-east-1", h.State["adopted"].Inputs.Str("networkBorderGroup"));
        Assert.Equal("amazon", h.State["adopted"].Inputs.Str("publicIpv4Pool"));
        h.Forget("adopted");
        (await h.DestroyAsync("original")).EnsureOk();
    }

    [Fact]
    public async Task Naming_the_private_ip_already_mapped_neither_diffs_nor_reassociates()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var up = (await h.UpAsync(Spec("mapped", ("instanceId", net.InstanceId)))).EnsureOk();
        var privateIp = up.Outputs.Str("privateIpAddress");
        Assert.False(string.IsNullOrEmpty(privateIp));
        Aws.Proxy.Journal.Clear();

        var same = (await h.UpAsync(Spec("mapped", ("instanceId", net.InstanceId), ("privateIpAddress", privateIp)))).EnsureOk();

        Assert.Equal(["Check", "Diff"], same.Calls);
        Assert.Empty(MutatingCalls());
        Assert.Equal(up.Outputs.Str("associationId"), (await Aws.FindInMotoAsync(up.Id!))!.AssociationId);
        (await h.DestroyAsync("mapped")).EnsureOk();
    }

    [Fact]
    public async Task Replacing_an_address_pinned_to_its_ip_releases_first_and_gets_the_same_ip()
    {
        await using var h = await Aws.StartPluginAsync();
        const string pinned = "198.51.100.77";
        var first = (await h.UpAsync(Spec("pinned", ("address", pinned)))).EnsureOk();
        Assert.Equal(pinned, first.Outputs.Str("publicIp"));

        var replaced = (await h.UpAsync(Spec("pinned", ("address", pinned), ("publicIpv4Pool", "ipv4pool-ec2-0123456789abcdef0")))).EnsureOk();

        Assert.True(replaced.Diff!.DeleteBeforeReplace);
        Assert.Equal(["publicIpv4Pool"], replaced.Diff.Replaces);
        Assert.Equal(["Check", "Diff", "Delete", "Check", "Create"], replaced.Calls);
        Assert.Equal(pinned, replaced.Outputs.Str("publicIp"));
        Assert.NotEqual(first.Id, replaced.Id);
        Assert.Null(await Aws.FindInMotoAsync(first.Id!));
        Assert.Equal(["ReleaseAddress", "AllocateAddress"], MutatingCalls().Where(a => a is "ReleaseAddress" or "AllocateAddress").TakeLast(2));
        (await h.DestroyAsync("pinned")).EnsureOk();
    }

    [Fact]
    public async Task Replacing_with_a_new_pinned_ip_keeps_create_before_delete()
    {
        await using var h = await Aws.StartPluginAsync();
        (await h.UpAsync(Spec("moving-pin", ("address", "198.51.100.78")))).EnsureOk();

        var replaced = (await h.UpAsync(Spec("moving-pin", ("address", "198.51.100.79")))).EnsureOk();

        Assert.False(replaced.Diff!.DeleteBeforeReplace);
        Assert.Equal(["Check", "Diff", "Check", "Create", "Delete"], replaced.Calls);
        (await h.DestroyAsync("moving-pin")).EnsureOk();
    }
}
