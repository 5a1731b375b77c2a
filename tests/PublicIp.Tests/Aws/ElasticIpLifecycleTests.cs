using System.Net;
using Amazon.EC2.Model;
using Grpc.Core;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Aws;

/// <summary>Create, preview (DryRun), update in place, replace, import and refresh of publicip:aws:ElasticIp.</summary>
public class ElasticIpLifecycleTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    [Fact]
    public async Task Association_and_tags_update_in_place_and_reassociation_moves_the_address()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var up = (await h.UpAsync(Spec("moving", ("instanceId", net.InstanceId), ("tags", new Dictionary<string, string> { ["a"] = "1" })))).EnsureOk();
        Aws.Proxy.Journal.Clear();

        var moved = (await h.UpAsync(Spec("moving", ("networkInterfaceId", net.NetworkInterfaceId), ("tags", new Dictionary<string, string> { ["b"] = "2" })))).EnsureOk();

        Assert.Equal(["Check", "Diff", "Update"], moved.Calls);
        Assert.Empty(moved.Diff!.Replaces);
        Assert.Contains("instanceId", moved.Diff.Diffs);
        Assert.Contains("networkInterfaceId", moved.Diff.Diffs);
        Assert.Contains("tags", moved.Diff.Diffs);
        Assert.Equal(up.Id, moved.Id);
        Assert.Equal(["DeleteTags", "CreateTags", "DisassociateAddress", "AssociateAddress", "DescribeAddresses"], Aws.Proxy.Journal.Actions);
        var live = await Aws.FindInMotoAsync(up.Id!);
        Assert.Equal(net.NetworkInterfaceId, live!.NetworkInterfaceId);
        // The user's tags changed; the provider's ownership marks (publicip:*) stay as they were set at allocation.
        Assert.Equal([("b", "2")], (live.Tags ?? []).Where(t => !t.Key.StartsWith("publicip:", StringComparison.Ordinal)).Select(t => (t.Key, t.Value)));
        Assert.Contains(live.Tags ?? [], t => t.Key == "publicip:urn-sha256");
        Assert.Equal(net.NetworkInterfaceId, moved.Outputs.Str("networkInterfaceId"));

        // Back to the instance, with reassociation allowed and no disassociate needed in between.
        var back = (await h.UpAsync(Spec("moving", ("instanceId", net.InstanceId), ("tags", new Dictionary<string, string> { ["b"] = "2" })))).EnsureOk();
        Assert.Equal(net.InstanceId, back.Outputs.Str("instanceId"));
        Assert.All(Aws.Proxy.Journal.For("AssociateAddress"), e => Assert.Equal("true", e.Get("AllowReassociation")));
        (await h.DestroyAsync("moving")).EnsureOk();
    }

    [Fact]
    public async Task Border_group_change_replaces_and_domain_change_previews_a_replace()
    {
        await using var h = await Aws.StartPluginAsync();
        var first = (await h.UpAsync(Spec("nbg", ("networkBorderGroup", "us-east-1")))).EnsureOk();

        var domain = (await h.PreviewAsync(Spec("nbg", ("networkBorderGroup", "us-east-1"), ("domain", "standard")))).EnsureOk();
        Assert.Contains("domain", domain.Diff!.Replaces);

        var replaced = (await h.UpAsync(Spec("nbg", ("networkBorderGroup", "us-east-1-bos-1")))).EnsureOk();
        Assert.Equal(["Check", "Diff", "Check", "Create", "Delete"], replaced.Calls);
        Assert.Equal(["networkBorderGroup"], replaced.Diff!.Replaces);
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffSome, replaced.Diff.Changes);
        Assert.Contains(replaced.Diff.DetailedDiff, kv => kv.Key == "networkBorderGroup" && kv.Value.Kind == PropertyDiff.Types.Kind.UpdateReplace);
        Assert.NotEqual(first.Id, replaced.Id);
        Assert.Null(await Aws.FindInMotoAsync(first.Id!));
        (await h.DestroyAsync("nbg")).EnsureOk();
    }

    [Fact]
    public async Task Import_adopts_an_existing_address_by_allocation_id()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var allocated = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc });
        await Aws.Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocated.AllocationId, InstanceId = vm.InstanceId });
        await using var h = await Aws.StartPluginAsync();

        var imported = (await h.ImportAsync(Type, "adopted", allocated.AllocationId)).EnsureOk();

        Assert.Equal(allocated.AllocationId, imported.Id);
        Assert.Equal(allocated.PublicIp, imported.Outputs.Str("publicIp"));
        Assert.Equal(vm.InstanceId, imported.Outputs.Str("instanceId"));
        // The association is not adopted into the inputs (an ElasticIpAssociation may manage it): leaving it out changes nothing,
        Assert.Null(h.State["adopted"].Inputs.Get("instanceId"));
        Assert.Equal(["Check", "Diff"], (await h.PreviewAsync(Spec("adopted"))).EnsureOk().Calls);
        // and the program that names it has no diff either.
        var again = (await h.UpAsync(Spec("adopted", ("instanceId", vm.InstanceId)))).EnsureOk();
        Assert.Equal(["Check", "Diff"], again.Calls);
        (await h.DestroyAsync("adopted")).EnsureOk();
        Assert.Null(await Aws.FindInMotoAsync(allocated.AllocationId));
    }

    [Fact]
    public async Task Standard_domain_is_adopted_by_public_ip_and_released_by_public_ip()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var allocated = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Standard });
        await Aws.Ec2.AssociateAddressAsync(new AssociateAddressRequest { PublicIp = allocated.PublicIp, InstanceId = vm.InstanceId });
        await using var h = await Aws.StartPluginAsync();

        var imported = (await h.ImportAsync(Type, "classic", allocated.PublicIp)).EnsureOk();
        Assert.Equal(allocated.PublicIp, imported.Id);
        Assert.Equal("standard", imported.Outputs.Str("domain"));
        Assert.Contains(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("EC2-Classic", StringComparison.Ordinal));
        Aws.Proxy.Journal.Clear();

        (await h.DestroyAsync("classic")).EnsureOk();

        Assert.Equal(["DescribeAddresses", "DisassociateAddress", "ReleaseAddress"], Aws.Proxy.Journal.Actions);
        Assert.Equal(allocated.PublicIp, Aws.Proxy.Journal.For("DisassociateAddress").Single().Get("PublicIp"));
        Assert.Equal(allocated.PublicIp, Aws.Proxy.Journal.For("ReleaseAddress").Single().Get("PublicIp"));
        Assert.Null(Aws.Proxy.Journal.For("ReleaseAddress").Single().Get("AllocationId"));
        Assert.Null(await Aws.FindInMotoAsync(allocated.PublicIp));
    }

    [Fact]
    public async Task Refresh_drops_an_address_released_out_of_band_and_follows_a_reassociation()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var gone = (await h.UpAsync(Spec("gone"))).EnsureOk();
        var moved = (await h.UpAsync(Spec("moved", ("instanceId", net.InstanceId)))).EnsureOk();

        await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = gone.Id });
        await Aws.Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = moved.Id, NetworkInterfaceId = net.NetworkInterfaceId, AllowReassociation = true });

        (await h.RefreshAsync("gone")).EnsureOk();
        Assert.False(h.State.ContainsKey("gone"));
        Assert.Contains(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains(gone.Id!, StringComparison.Ordinal) && m.Contains("no longer exists", StringComparison.Ordinal));

        var refreshed = (await h.RefreshAsync("moved")).EnsureOk();
        Assert.Equal(net.NetworkInterfaceId, refreshed.Outputs.Str("networkInterfaceId"));
        Assert.Equal(net.NetworkInterfaceId, h.State["moved"].Inputs.Str("networkInterfaceId"));
        Assert.NotEqual(moved.Outputs.Str("associationId"), refreshed.Outputs.Str("associationId"));
        (await h.DestroyAsync("moved")).EnsureOk();
    }

    [Fact]
    public async Task Preview_denied_on_DryRun_is_a_preview_error_naming_the_IAM_action()
    {
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Inject(Fault.DeniedOnDryRun("AllocateAddress"));

        var preview = await h.PreviewAsync(Spec("probe"));

        Assert.Equal(StatusCode.PermissionDenied, preview.Code);
        Assert.Contains("ec2:AllocateAddress", preview.Error, StringComparison.Ordinal);
        Assert.Contains("'probe'", preview.Error, StringComparison.Ordinal);
        Assert.Equal(["AllocateAddress"], Aws.Proxy.Journal.Actions);
        Assert.True(Aws.Proxy.Journal.Entries.Single().DryRun);
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task Preview_probes_allocate_and_associate_with_DryRun_and_skips_what_is_unknown()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();

        (await h.PreviewAsync(Spec("known", ("instanceId", net.InstanceId)))).EnsureOk();
        Assert.Equal(["AllocateAddress", "AssociateAddress"], Aws.Proxy.Journal.Actions);
        Assert.All(Aws.Proxy.Journal.Entries, e => Assert.True(e.DryRun));

        Aws.Proxy.Journal.Clear();
        (await h.PreviewAsync(Spec("unknown", ("instanceId", PropertyValue.Unknown())))).EnsureOk();
        Assert.Equal(["AllocateAddress"], Aws.Proxy.Journal.Actions);
        Assert.Contains(AwsFixture.Said(h, LogSeverity.Debug), m => m.Contains("skipped the ec2:AssociateAddress DryRun", StringComparison.Ordinal));

        // An update preview probes the disassociate and the new association.
        (await h.UpAsync(Spec("known", ("instanceId", net.InstanceId)))).EnsureOk();
        Aws.Proxy.Inject(Fault.DeniedOnDryRun("DisassociateAddress"));
        var update = await h.PreviewAsync(Spec("known", ("networkInterfaceId", net.NetworkInterfaceId)));
        Assert.Equal(StatusCode.PermissionDenied, update.Code);
        Assert.Contains("ec2:DisassociateAddress", update.Error, StringComparison.Ordinal);
        Aws.Reset();
        (await h.DestroyAsync("known")).EnsureOk();
    }

    [Fact]
    public async Task Transient_allocation_not_found_after_create_is_retried()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        await using var h = await Aws.StartPluginAsync();
        var fault = Aws.Proxy.Inject(Fault.Error("AssociateAddress", Ec2Error.InvalidAllocationIdNotFound("eipalloc-new")).FiresTimes(2));

        var up = (await h.UpAsync(Spec("fresh", ("instanceId", vm.InstanceId)))).EnsureOk();

        Assert.Equal(2, fault.Fired);
        Assert.Equal(3, Aws.Proxy.Journal.For("AssociateAddress").Count);
        Assert.Equal(vm.InstanceId, up.Outputs.Str("instanceId"));
        Assert.StartsWith("eipassoc-", up.Outputs.Str("associationId"), StringComparison.Ordinal);
        (await h.DestroyAsync("fresh")).EnsureOk();
    }

    [Fact]
    public async Task Partial_create_is_kept_in_state_with_its_id_and_is_destroyable()
    {
        await using var h = await Aws.StartPluginAsync();
        var missing = new Ec2Error(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound", "The instance ID 'i-0000000000000dead' does not exist");
        Aws.Proxy.Inject(Fault.Error("AssociateAddress", missing).Always());

        var up = await h.UpAsync(Spec("half", ("instanceId", "i-0000000000000dead")));

        Assert.Equal(StatusCode.FailedPrecondition, up.Code);
        Assert.Contains("[InvalidInstanceID.NotFound]", up.Error, StringComparison.Ordinal);
        Assert.StartsWith("eipalloc-", up.Id, StringComparison.Ordinal);
        Assert.Equal(up.Id, h.State["half"].Id);
        Assert.Equal(up.Id, h.State["half"].Outputs.Str("allocationId"));
        Assert.Single(Aws.Proxy.Journal.For("AssociateAddress")); // not a code waiting can fix
        Assert.NotNull(await Aws.FindInMotoAsync(up.Id!));

        (await h.DestroyAsync("half")).EnsureOk();
        Assert.Null(await Aws.FindInMotoAsync(up.Id!));
    }
}
