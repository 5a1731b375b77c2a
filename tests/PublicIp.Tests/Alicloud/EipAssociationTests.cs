using Pulumirpc;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Tests.RoundTrip;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// publicip:alicloud:EipAssociation through the published binary against the Alibaba emulator: the round-trip
/// invariants, an unassociate-only delete that leaves the EIP allocated, a read-only preview, and the rule that keeps
/// an EipAddress without instanceId from fighting it.
/// </summary>
public class EipAssociationTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private const string AssociationType = "publicip:alicloud:EipAssociation";

    private IReadOnlyList<string> MutatingCalls() =>
        [.. ali.Emulator.Requests.Where(r => r.Action is { } a && !a.StartsWith("Describe", StringComparison.Ordinal)).Select(r => r.Action!)];

    private EmulatorInstance VpcInstance() => ali.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-assoc" });

    private static ResourceSpec Association(string name, params (string, object?)[] inputs) => new(AssociationType, name, Props.Map(inputs));

    [Fact]
    public async Task Association_round_trips_and_its_delete_leaves_the_eip_allocated()
    {
        var instance = VpcInstance();
        await using var h = await ali.StartPluginAsync();
        var eip = (await h.UpAsync(new ResourceSpec(EipType, "eip", Props.Map()))).EnsureOk();
        var before = MutatingCalls().Count;

        await RoundTripInvariants.AssertAllAsync(h, Association("assoc", ("allocationId", eip.Id), ("instanceId", instance.InstanceId)), MutatingCalls);

        Assert.Equal(["AssociateEipAddress", "UnassociateEipAddress"], MutatingCalls().Skip(before));
        var left = ali.World.GetEip(eip.Id!);
        Assert.NotNull(left);
        Assert.Equal(EipStatus.Available, left.Status);
        Assert.Null(left.InstanceId);
        (await h.DestroyAsync("eip")).EnsureOk();
    }

    [Fact]
    public async Task Preview_reads_only_and_import_needs_the_documented_id()
    {
        var instance = VpcInstance();
        var eip = ali.AddEip();
        await using var h = await ali.StartPluginAsync();
        var before = MutatingCalls().Count;

        var preview = (await h.PreviewAsync(Association("assoc-preview", ("allocationId", eip.AllocationId), ("instanceId", instance.InstanceId)))).EnsureOk();

        Assert.Contains("Create", preview.Calls);
        Assert.Equal(before, MutatingCalls().Count);
        Assert.Null(ali.World.GetEip(eip.AllocationId)!.InstanceId);
        var wrong = await h.ImportAsync(AssociationType, "bad-id", eip.AllocationId);
        Assert.False(wrong.Ok);
        Assert.Contains("<allocationId>:<instanceId>", wrong.Error);
    }

    [Fact]
    public async Task An_EipAddress_without_instanceId_leaves_the_association_alone()
    {
        var instance = VpcInstance();
        await using var h = await ali.StartPluginAsync();
        var eipSpec = new ResourceSpec(EipType, "eip-alone", Props.Map(("name", "one")));
        var eip = (await h.UpAsync(eipSpec)).EnsureOk();
        (await h.UpAsync(Association("assoc-alone", ("allocationId", eip.Id), ("instanceId", instance.InstanceId)))).EnsureOk();

        (await h.RefreshAsync("eip-alone")).EnsureOk();
        Assert.Equal(instance.InstanceId, h.State["eip-alone"].Outputs.Str("instanceId"));
        Assert.Null(h.State["eip-alone"].Inputs.Get("instanceId"));
        Assert.Equal(["Check", "Diff"], (await h.PreviewAsync(eipSpec)).EnsureOk().Calls);
        var before = MutatingCalls().Count;

        (await h.UpAsync(new ResourceSpec(EipType, "eip-alone", Props.Map(("name", "two"))))).EnsureOk();

        Assert.Equal(["ModifyEipAddressAttribute"], MutatingCalls().Skip(before));
        Assert.Equal(instance.InstanceId, ali.World.GetEip(eip.Id!)!.InstanceId);
        Assert.DoesNotContain(Said(h), m => m.Contains("both manage", StringComparison.Ordinal));
        (await h.DestroyAsync("assoc-alone")).EnsureOk();
        (await h.DestroyAsync("eip-alone")).EnsureOk();
    }

    [Fact]
    public async Task An_EipAddress_naming_an_instance_and_an_association_of_its_eip_are_warned_about()
    {
        var instance = VpcInstance();
        await using var h = await ali.StartPluginAsync();
        var eip = (await h.UpAsync(new ResourceSpec(EipType, "eip-both", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk();

        (await h.UpAsync(Association("assoc-both", ("allocationId", eip.Id), ("instanceId", instance.InstanceId)))).EnsureOk();

        var warning = Assert.Single(Said(h), m => m.Contains("both manage the association", StringComparison.Ordinal));
        Assert.Contains("publicip:alicloud:EipAssociation 'assoc-both'", warning);
        Assert.Contains("publicip:alicloud:EipAddress 'eip-both'", warning);
        h.Forget("assoc-both");
        (await h.DestroyAsync("eip-both")).EnsureOk();
    }

    [Fact]
    public async Task A_preview_already_warns_about_an_EipAddress_naming_an_instance_and_a_new_association_of_its_eip()
    {
        var instance = VpcInstance();
        var eipSpec = new ResourceSpec(EipType, "eip-preview-both", Props.Map(("instanceId", instance.InstanceId)));
        StateEntry eip;
        await using (var up = await ali.StartPluginAsync())
        {
            (await up.UpAsync(eipSpec)).EnsureOk();
            eip = up.State["eip-preview-both"];
        }
        // `pulumi preview` runs a provider process of its own, which sees the unchanged EipAddress only at its Diff.
        await using var h = await ali.StartPluginAsync();
        h.Adopt(eip);

        Assert.Equal(["Check", "Diff"], (await h.PreviewAsync(eipSpec)).EnsureOk().Calls);
        (await h.PreviewAsync(Association("assoc-preview-both", ("allocationId", eip.Id), ("instanceId", instance.InstanceId)))).EnsureOk();

        var warning = Assert.Single(Said(h), m => m.Contains("both manage the association", StringComparison.Ordinal));
        Assert.Contains("publicip:alicloud:EipAssociation 'assoc-preview-both'", warning);
        Assert.Contains("publicip:alicloud:EipAddress 'eip-preview-both'", warning);
        (await h.DestroyAsync("eip-preview-both")).EnsureOk();
    }

    private static IReadOnlyList<string> Said(LifecycleHarness h) =>
        [.. h.Engine.Messages.Where(m => m.Severity == LogSeverity.Warning && !m.Ephemeral).Select(m => m.Message)];
}
