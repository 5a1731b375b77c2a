using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// SIGKILL the published plugin at each point of an EipAddress Create and Delete (the Alibaba emulator holds the call
/// that makes the point, before or after carrying it out), then do what the engine does next: a killed Create leaves
/// no state (the pending create is dropped), a killed Delete leaves the resource in state. Every EIP the test made
/// must be held by the state or named by the next step's recovery, and after following what it says, released:
/// the emulator ends with exactly the EIPs it started with.
/// </summary>
public sealed class EipCrashRecoveryTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    // Long enough never to end by itself: the kill ends it (the emulator drops a held call when its caller hangs up).
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(60);

    public enum CreatePoint { BeforeAllocate, AllocateReachedAlibaba, BeforeAssociate, AfterAssociate }

    private List<EmulatorEip> MarkedFor(string name)
    {
        var hash = OwnershipMarks.HashUrn(LifecycleHarness.Urn(EipType, name));
        return ali.World.Eips.Where(e => e.Tags.GetValueOrDefault(OwnershipMarks.UrnHashKey) == hash).ToList();
    }

    private static async Task<StepResult> KillAtAsync(LifecycleHarness h, Task<StepResult> step, Task arrived)
    {
        if (await Task.WhenAny(arrived.WaitAsync(TimeSpan.FromSeconds(60)), step) == step)
        {
            Assert.Fail($"the step ended before the kill point: {(await step).Code} {(await step).Error}");
        }
        await arrived;
        CrashPoints.SigKill(h);
        return await step;
    }

    [Theory]
    [InlineData(CreatePoint.BeforeAllocate)]
    [InlineData(CreatePoint.AllocateReachedAlibaba)]
    [InlineData(CreatePoint.BeforeAssociate)]
    [InlineData(CreatePoint.AfterAssociate)]
    public async Task A_create_killed_at_any_point_loses_no_eip(CreatePoint point)
    {
        var instance = ali.AddInstance();
        var name = $"crash-{point}-{Guid.NewGuid().ToString("N")[..6]}";
        var spec = new ResourceSpec(EipType, name, Props.Map(("instanceId", instance.InstanceId)));
        var eipsBefore = ali.World.Eips.Select(e => e.AllocationId).ToHashSet(StringComparer.Ordinal);
        var arrived = point switch
        {
            CreatePoint.BeforeAllocate => ali.Emulator.HoldNext("AllocateEipAddress", Hold),
            CreatePoint.AllocateReachedAlibaba => ali.Emulator.HoldNext("AllocateEipAddress", Hold, afterHandling: true),
            CreatePoint.BeforeAssociate => ali.Emulator.HoldNext("AssociateEipAddress", Hold),
            _ => ali.Emulator.HoldNext("AssociateEipAddress", Hold, afterHandling: true),
        };

        await using (var killed = await ali.StartPluginAsync())
        {
            var result = await KillAtAsync(killed, killed.UpAsync(spec), arrived);
            Assert.NotEqual(StatusCode.OK, result.Code);
            Assert.Empty(killed.State); // the engine recorded nothing: its pending create is all that is left
        }
        ali.Emulator.ClearFaults();
        var left = MarkedFor(name);
        Assert.Equal(point == CreatePoint.BeforeAllocate ? 0 : 1, left.Count);
        if (point == CreatePoint.AfterAssociate)
        {
            Assert.Equal(instance.InstanceId, left[0].InstanceId);
        }
        // Every EIP the emulator has now that it did not have before carries this URN's marks: none is anonymous.
        Assert.Equal(left.Select(e => e.AllocationId).Order(), ali.World.Eips.Where(e => !eipsBefore.Contains(e.AllocationId)).Select(e => e.AllocationId).Order());

        // What the engine does next: `pulumi up` again, with a new plugin.
        await using (var next = await ali.StartPluginAsync())
        {
            var again = await next.UpAsync(spec);
            if (left.Count == 0)
            {
                again.EnsureOk();
                Assert.Equal(next.State[name].Id, Assert.Single(MarkedFor(name)).AllocationId);
                (await next.DestroyAsync(name)).EnsureOk();
            }
            else
            {
                // Found: the next Create allocates nothing and names the EIP with the commands to keep it.
                Assert.Equal(StatusCode.FailedPrecondition, again.Code);
                Assert.Contains(left[0].AllocationId, again.Error, StringComparison.Ordinal);
                Assert.Contains("--import-pending-creates", again.Error, StringComparison.Ordinal);
                Assert.Single(MarkedFor(name));
            }
        }
        if (left.Count > 0)
        {
            await using var adopt = await ali.StartPluginAsync(("interruptedCreates", "adopt"));
            var adopted = (await adopt.UpAsync(spec)).EnsureOk();
            Assert.Equal(left[0].AllocationId, adopted.Id);
            Assert.Equal(instance.InstanceId, adopted.Outputs.Str("instanceId"));
            (await adopt.DestroyAsync(name)).EnsureOk();
        }
        Assert.Empty(MarkedFor(name));
        Assert.Equal(eipsBefore.Order(), ali.World.Eips.Select(e => e.AllocationId).Where(eipsBefore.Contains).Order());
        Assert.DoesNotContain(ali.World.Eips, e => !eipsBefore.Contains(e.AllocationId));
    }

    [Fact]
    public async Task A_delete_killed_between_unassociate_and_release_is_finished_by_the_next_destroy()
    {
        var instance = ali.AddInstance();
        var name = $"crash-delete-{Guid.NewGuid().ToString("N")[..6]}";
        StateEntry entry;
        await using (var h = await ali.StartPluginAsync())
        {
            (await h.UpAsync(new ResourceSpec(EipType, name, Props.Map(("instanceId", instance.InstanceId))))).EnsureOk();
            entry = h.State[name];
            var releasing = ali.Emulator.HoldNext("ReleaseEipAddress", Hold);
            Assert.NotEqual(StatusCode.OK, (await KillAtAsync(h, h.DestroyAsync(name), releasing)).Code);
        }
        ali.Emulator.ClearFaults();
        Assert.Contains(ali.Emulator.Requests, r => r.Action == "UnassociateEipAddress" && r.Parameters.GetValueOrDefault("AllocationId") == entry.Id && r.Status == 200);
        var live = Assert.Single(ali.World.Eips, e => e.AllocationId == entry.Id);
        Assert.Null(live.InstanceId); // unassociated, not released: the state still holds it (the engine kept the resource)

        // What the engine does next: `pulumi destroy` again, with a new plugin, from the state it kept.
        await using var next = await ali.StartPluginAsync();
        next.Adopt(entry);
        (await next.DestroyAsync(name)).EnsureOk();
        Assert.DoesNotContain(ali.World.Eips, e => e.AllocationId == entry.Id);
    }
}
