using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using Xunit.Abstractions;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// publicip:alicloud:EipAssociation under Alibaba's flow control and status conflicts, through the published binary
/// against the Alibaba emulator: many associations made and removed at once, and the conflicts the VPC API answers
/// while an EIP or its instance is busy (TaskConflict, IncorrectEipStatus), which are waited out.
/// </summary>
public class EipAssociationFaultTests(AlibabaFixture ali, ITestOutputHelper output) : IClassFixture<AlibabaFixture>
{
    private const string AssociationType = "publicip:alicloud:EipAssociation";
    private const int Parallel = 16;

    private EmulatorInstance VpcInstance() => ali.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-assoc-faults" });

    private static ResourceSpec Association(string name, params (string, object?)[] inputs) => new(AssociationType, name, Props.Map(inputs));

    [Fact]
    public async Task Forty_associations_made_and_removed_at_parallel_16_wait_out_the_flow_control()
    {
        const int count = 40;
        ali.Emulator.ClearFaults(); // faults a failed test left queued in the shared emulator
        var pairs = Enumerable.Range(0, count).Select(_ => (Eip: ali.AddEip(), Instance: VpcInstance())).ToList();
        // The plugin budgets for five times the emulator's quota while the account gets the quota itself (as when another
        // tool shares it): past the burst the VPC API answers Throttling.User, and every one must be waited out.
        await using var h = await ali.StartPluginAsync(("alicloudRequestRateScale", 5));
        using var flow = new EmulatorFlowControl(refillScale: 1);
        var before = ali.Emulator.Requests.Count;
        var specs = pairs.Select((p, i) => Association($"assoc-{i}", ("allocationId", p.Eip.AllocationId), ("instanceId", p.Instance.InstanceId))).ToList();
        ali.Emulator.FlowControl = flow;
        ParallelOutcome[] made, removed;
        try
        {
            made = await ParallelEngine.CreateAsync(h.Client, specs, Parallel);
            Assert.All(made, r => Assert.True(r.Ok, $"create {r.Name}: {r.Code} {r.Error}"));
            Assert.All(pairs, p => Assert.Equal(p.Instance.InstanceId, ali.World.GetEip(p.Eip.AllocationId)!.InstanceId));
            var entries = made.Select((r, i) => new StateEntry(AssociationType, r.Name, LifecycleHarness.Urn(AssociationType, r.Name), r.Id!, specs[i].Inputs, r.Outputs));
            removed = await ParallelEngine.DeleteAsync(h.Client, entries, Parallel);
        }
        finally
        {
            ali.Emulator.FlowControl = null;
        }

        Assert.All(removed, r => Assert.True(r.Ok, $"delete {r.Name}: {r.Code} {r.Error}"));
        var calls = ali.Emulator.Requests.Skip(before).ToList();
        Assert.Contains(calls, r => r.Action == "AssociateEipAddress" && r.ErrorCode == "Throttling.User");
        Assert.Contains(calls, r => r.Action == "UnassociateEipAddress" && r.ErrorCode == "Throttling.User");
        Assert.Equal(count, calls.Count(r => r.Action == "AssociateEipAddress" && r.ErrorCode is null));
        Assert.Equal(count, calls.Count(r => r.Action == "UnassociateEipAddress" && r.ErrorCode is null));
        // Each EIP is left allocated, Available and free: an association's delete never releases it.
        Assert.All(pairs, p =>
        {
            var left = ali.World.GetEip(p.Eip.AllocationId);
            Assert.NotNull(left);
            Assert.Equal(EipStatus.Available, left.Status);
            Assert.Null(left.InstanceId);
        });
        output.WriteLine($"{count} EIP associations made and removed at --parallel {Parallel}: {calls.Count} calls, {flow.Throttled} throttled");
    }

    [Fact]
    public async Task Status_conflicts_are_waited_out_and_a_refusal_keeps_the_association_with_a_diagnostic()
    {
        ali.Emulator.ClearFaults(); // faults a failed test left queued in the shared emulator
        var instance = VpcInstance();
        var eip = ali.AddEip();
        await using var h = await ali.StartPluginAsync();
        var before = ali.Emulator.Requests.Count;

        // The EIP (or its instance) is busy with another task: AssociateEipAddress answers TaskConflict, then IncorrectEipStatus.
        ali.Emulator.FailNext("AssociateEipAddress", "TaskConflict");
        ali.Emulator.FailNext("AssociateEipAddress", "IncorrectEipStatus");
        var up = (await h.UpAsync(Association("assoc", ("allocationId", eip.AllocationId), ("instanceId", instance.InstanceId)))).EnsureOk();
        Assert.Equal($"{eip.AllocationId}:{instance.InstanceId}", up.Id);
        Assert.Equal(instance.InstanceId, ali.World.GetEip(eip.AllocationId)!.InstanceId);
        Assert.Equal(["TaskConflict", "IncorrectEipStatus", null],
            ali.Emulator.Requests.Skip(before).Where(r => r.Action == "AssociateEipAddress").Select(r => r.ErrorCode));

        // A refusal is a diagnostic naming the EIP, and the association stays in the stack and in the cloud.
        ali.Emulator.FailNext("UnassociateEipAddress", "Forbidden.RAM", status: 403);
        var refused = await h.DestroyAsync("assoc");
        Assert.False(refused.Ok);
        Assert.Contains(eip.AllocationId, refused.Error);
        Assert.Contains("Forbidden.RAM", refused.Error);
        Assert.True(h.State.ContainsKey("assoc"), "a refused delete must keep the association in the stack");
        Assert.Equal(instance.InstanceId, ali.World.GetEip(eip.AllocationId)!.InstanceId);

        // Still busy when the destroy runs again: UnassociateEipAddress answers TaskConflict and IncorrectEipStatus, then succeeds.
        before = ali.Emulator.Requests.Count;
        ali.Emulator.FailNext("UnassociateEipAddress", "TaskConflict");
        ali.Emulator.FailNext("UnassociateEipAddress", "IncorrectEipStatus");
        (await h.DestroyAsync("assoc")).EnsureOk();
        Assert.Equal(["TaskConflict", "IncorrectEipStatus", null],
            ali.Emulator.Requests.Skip(before).Where(r => r.Action == "UnassociateEipAddress").Select(r => r.ErrorCode));
        var left = ali.World.GetEip(eip.AllocationId)!;
        Assert.Equal(EipStatus.Available, left.Status);
        Assert.Null(left.InstanceId);
        Assert.DoesNotContain(h.Engine.Messages, m => m.Message.Contains("nothing to do", StringComparison.Ordinal));
    }
}
