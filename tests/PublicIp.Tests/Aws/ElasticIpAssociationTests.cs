using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Tests.RoundTrip;

namespace PublicIp.Tests.Aws;

/// <summary>
/// publicip:aws:ElasticIpAssociation through the published binary, moto behind our EC2 proxy: its lifecycle, the
/// round-trip invariants, a delete that leaves the address allocated, a preview that only asks with DryRun, and the
/// rule that keeps an ElasticIp without a target from fighting it.
/// </summary>
public class ElasticIpAssociationTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private const string AssociationType = "publicip:aws:ElasticIpAssociation";

    private IReadOnlyList<string> MutatingCalls() =>
        [.. Aws.Proxy.Journal.Entries.Where(e => !e.DryRun && !e.Action.StartsWith("Describe", StringComparison.Ordinal)).Select(e => e.Action)];

    private static ResourceSpec Association(string name, params (string, object?)[] inputs) => new(AssociationType, name, Props.Map(inputs));

    [Fact]
    public async Task Association_by_instance_round_trips_and_its_delete_leaves_the_address_allocated()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip"))).EnsureOk();
        Aws.Proxy.Journal.Clear();

        await RoundTripInvariants.AssertAllAsync(h, Association("assoc", ("allocationId", address.Id), ("instanceId", net.InstanceId)), MutatingCalls,
            exclude: ["networkInterfaceId"]);

        Assert.Equal(["AssociateAddress", "DisassociateAddress"], MutatingCalls());
        var left = await Aws.FindInMotoAsync(address.Id!);
        Assert.NotNull(left);
        Assert.True(string.IsNullOrEmpty(left.AssociationId), $"the address should be free, is held by {left.AssociationId}");
        (await h.DestroyAsync("eip")).EnsureOk();
    }

    [Fact]
    public async Task Association_by_interface_and_private_ip_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip-eni"))).EnsureOk();
        await RoundTripInvariants.AssertAllAsync(h, Association("assoc-eni", ("allocationId", address.Id), ("networkInterfaceId", net.NetworkInterfaceId),
            ("privateIpAddress", net.NetworkInterfaceSecondaryPrivateIp)), MutatingCalls, exclude: ["instanceId"]);
        Assert.NotNull(await Aws.FindInMotoAsync(address.Id!));
        (await h.DestroyAsync("eip-eni")).EnsureOk();
    }

    // Found by AwsRoundTripProperties (shrunk): import read back allowReassociation's default, so naming false was a change.
    [Fact]
    public async Task Association_that_may_not_take_the_address_over_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip-no-takeover"))).EnsureOk();
        await RoundTripInvariants.AssertAllAsync(h, Association("assoc-no-takeover", ("allocationId", address.Id), ("networkInterfaceId", net.NetworkInterfaceId),
            ("allowReassociation", false)), MutatingCalls, exclude: ["instanceId"]);
        (await h.DestroyAsync("eip-no-takeover")).EnsureOk();
    }

    [Fact]
    public async Task Preview_asks_with_DryRun_only()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip-preview"))).EnsureOk();
        Aws.Proxy.Journal.Clear();

        var preview = (await h.PreviewAsync(Association("assoc-preview", ("allocationId", address.Id), ("instanceId", net.InstanceId)))).EnsureOk();

        Assert.Contains("Create", preview.Calls);
        Assert.Empty(MutatingCalls());
        var dryRun = Assert.Single(Aws.Proxy.Journal.Entries, e => e.Action == "AssociateAddress");
        Assert.True(dryRun.DryRun);
        Assert.Equal(address.Id, dryRun.Get("AllocationId"));
        Assert.True(string.IsNullOrEmpty((await Aws.FindInMotoAsync(address.Id!))!.AssociationId));
        (await h.DestroyAsync("eip-preview")).EnsureOk();
    }

    [Fact]
    public async Task Changing_the_target_replaces_the_association_by_taking_the_address_over()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip-move"))).EnsureOk();
        var first = (await h.UpAsync(Association("assoc-move", ("allocationId", address.Id), ("instanceId", net.InstanceId)))).EnsureOk();
        Aws.Proxy.Journal.Clear();

        var moved = (await h.UpAsync(Association("assoc-move", ("allocationId", address.Id), ("networkInterfaceId", net.NetworkInterfaceId)))).EnsureOk();

        Assert.Equal(["networkInterfaceId"], moved.Diff!.Replaces);
        Assert.False(moved.Diff.DeleteBeforeReplace);
        Assert.Equal(["Check", "Diff", "Check", "Create", "Delete"], moved.Calls);
        Assert.NotEqual(first.Id, moved.Id);
        // The new association took the address over; the old one's disassociate found it gone and changed nothing.
        Assert.Equal(["AssociateAddress", "DisassociateAddress"], MutatingCalls());
        var now = (await Aws.FindInMotoAsync(address.Id!))!;
        Assert.Equal(moved.Id, now.AssociationId);
        Assert.Equal(net.NetworkInterfaceId, now.NetworkInterfaceId);
        (await h.DestroyAsync("assoc-move")).EnsureOk();
        (await h.DestroyAsync("eip-move")).EnsureOk();
    }

    [Fact]
    public async Task An_ElasticIp_without_a_target_leaves_the_association_alone()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var eip = Spec("eip-alone", ("tags", new Dictionary<string, string> { ["v"] = "1" }));
        var address = (await h.UpAsync(eip)).EnsureOk();
        var association = (await h.UpAsync(Association("assoc-alone", ("allocationId", address.Id), ("instanceId", net.InstanceId)))).EnsureOk();

        (await h.RefreshAsync("eip-alone")).EnsureOk();
        Assert.Equal(net.InstanceId, h.State["eip-alone"].Outputs.Str("instanceId"));
        Assert.Null(h.State["eip-alone"].Inputs.Get("instanceId"));
        var same = (await h.PreviewAsync(eip)).EnsureOk();
        Assert.Equal(["Check", "Diff"], same.Calls);
        Aws.Proxy.Journal.Clear();

        (await h.UpAsync(Spec("eip-alone", ("tags", new Dictionary<string, string> { ["v"] = "2" })))).EnsureOk();

        Assert.DoesNotContain("DisassociateAddress", MutatingCalls());
        Assert.Equal(association.Id, (await Aws.FindInMotoAsync(address.Id!))!.AssociationId);
        Assert.DoesNotContain(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("both manage", StringComparison.Ordinal));
        (await h.DestroyAsync("assoc-alone")).EnsureOk();
        (await h.DestroyAsync("eip-alone")).EnsureOk();
    }

    [Fact]
    public async Task An_ElasticIp_naming_a_target_and_an_association_of_its_address_are_warned_about()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var address = (await h.UpAsync(Spec("eip-both", ("instanceId", net.InstanceId)))).EnsureOk();

        (await h.UpAsync(Association("assoc-both", ("allocationId", address.Id), ("instanceId", net.InstanceId)))).EnsureOk();

        var warning = Assert.Single(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("both manage the association", StringComparison.Ordinal));
        Assert.Contains("publicip:aws:ElasticIpAssociation 'assoc-both'", warning);
        Assert.Contains("publicip:aws:ElasticIp 'eip-both'", warning);
        Assert.Contains(address.Id!, warning);
        (await h.DestroyAsync("assoc-both")).EnsureOk();
        (await h.DestroyAsync("eip-both")).EnsureOk();
    }

    [Fact]
    public async Task A_preview_already_warns_about_an_ElasticIp_naming_a_target_and_a_new_association_of_its_address()
    {
        var net = await Aws.NonDefaultVpcAsync();
        var eip = Spec("eip-preview-both", ("instanceId", net.InstanceId));
        StateEntry address;
        await using (var up = await Aws.StartPluginAsync())
        {
            (await up.UpAsync(eip)).EnsureOk();
            address = up.State["eip-preview-both"];
        }
        // `pulumi preview` runs a provider process of its own, which sees the unchanged ElasticIp only at its Diff.
        await using var h = await Aws.StartPluginAsync();
        h.Adopt(address);

        Assert.Equal(["Check", "Diff"], (await h.PreviewAsync(eip)).EnsureOk().Calls);
        (await h.PreviewAsync(Association("assoc-preview-both", ("allocationId", address.Id), ("instanceId", net.InstanceId)))).EnsureOk();

        var warning = Assert.Single(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("both manage the association", StringComparison.Ordinal));
        Assert.Contains("publicip:aws:ElasticIpAssociation 'assoc-preview-both'", warning);
        Assert.Contains("publicip:aws:ElasticIp 'eip-preview-both'", warning);
        Assert.Contains(address.Id, warning);
        (await h.DestroyAsync("eip-preview-both")).EnsureOk();
    }

    [Fact]
    public async Task Import_by_association_id_and_a_wrong_id_is_gone()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var allocated = await Aws.Ec2.AllocateAddressAsync(new Amazon.EC2.Model.AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc });
        var associated = await Aws.Ec2.AssociateAddressAsync(new Amazon.EC2.Model.AssociateAddressRequest { AllocationId = allocated.AllocationId, InstanceId = vm.InstanceId });
        await using var h = await Aws.StartPluginAsync();

        var imported = (await h.ImportAsync(AssociationType, "adopted", associated.AssociationId)).EnsureOk();

        Assert.Equal(associated.AssociationId, imported.Id);
        Assert.Equal(allocated.AllocationId, h.State["adopted"].Inputs.Str("allocationId"));
        Assert.Equal(vm.InstanceId, h.State["adopted"].Inputs.Str("instanceId"));
        Assert.Null(h.State["adopted"].Inputs.Get("networkInterfaceId"));
        var missing = await h.ImportAsync(AssociationType, "nothing", "eipassoc-0123456789abcdef0");
        Assert.False(missing.Ok);
        (await h.DestroyAsync("adopted")).EnsureOk();
        Assert.NotNull(await Aws.FindInMotoAsync(allocated.AllocationId));
        await Aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = allocated.AllocationId });
    }

    [Fact]
    public async Task A_standard_address_is_associated_imported_and_disassociated_by_its_public_ip()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var allocated = await Aws.Ec2.AllocateAddressAsync(new Amazon.EC2.Model.AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Standard });
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();

        var up = (await h.UpAsync(Association("classic", ("publicIp", allocated.PublicIp), ("instanceId", vm.InstanceId)))).EnsureOk();

        Assert.Equal(allocated.PublicIp, up.Id);
        Assert.Equal(allocated.PublicIp, Aws.Proxy.Journal.For("AssociateAddress").Single().Get("PublicIp"));
        (await h.ImportAsync(AssociationType, "classic-imported", allocated.PublicIp)).EnsureOk();
        Assert.Equal(allocated.PublicIp, h.State["classic-imported"].Inputs.Str("publicIp"));
        Assert.Equal(vm.InstanceId, h.State["classic-imported"].Inputs.Str("instanceId"));
        h.Forget("classic-imported");
        (await h.DestroyAsync("classic")).EnsureOk();

        Assert.Equal(allocated.PublicIp, Aws.Proxy.Journal.For("DisassociateAddress").Single().Get("PublicIp"));
        var left = (await Aws.FindInMotoAsync(allocated.PublicIp))!;
        Assert.True(string.IsNullOrEmpty(left.InstanceId), $"still associated with {left.InstanceId}");
        await Aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { PublicIp = allocated.PublicIp });
    }
}
