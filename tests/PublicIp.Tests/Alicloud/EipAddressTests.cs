using System.Diagnostics;
using Grpc.Core;
using PublicIp.Alibaba;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>publicip:alicloud:EipAddress through the published binary against the Alibaba emulator (EIP transitions take 0.7 s).</summary>
public class EipAddressTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private static ResourceSpec Spec(string name, params (string, object?)[] inputs) => new(EipType, name, Props.Map(inputs));

    private List<string?> ActionsOn(string allocationId) =>
        ali.Emulator.Requests.Where(r => r.Status == 200 && r.Parameters.GetValueOrDefault("AllocationId") == allocationId && r.Action != "DescribeEipAddresses")
            .Select(r => r.Action).ToList();

    [Fact]
    public async Task Create_refresh_update_in_place_and_destroy_an_unassociated_eip()
    {
        await using var h = await ali.StartPluginAsync();
        var spec = Spec("plain", ("bandwidth", 5), ("name", "web"), ("tags", new Dictionary<string, string> { ["team"] = "net", ["old"] = "x" }));
        var up = (await h.UpAsync(spec)).EnsureOk();
        var id = up.Id!;
        Assert.Equal(id, up.Outputs.Str("allocationId"));
        Assert.Equal("Available", up.Outputs.Str("status"));
        Assert.Equal("PostPaid", up.Outputs.Str("chargeType"));
        Assert.Equal("PayByBandwidth", up.Outputs.Str("internetChargeType"));
        Assert.False(string.IsNullOrEmpty(up.Outputs.Str("ipAddress")));

        (await h.RefreshAsync("plain")).EnsureOk();
        Assert.Equal(["Check", "Diff"], (await h.UpAsync(spec)).EnsureOk().Calls);

        // An update preview keeps what the update cannot change: dependents of ipAddress see no change.
        var preview = (await h.PreviewAsync(Spec("plain", ("bandwidth", 10), ("name", "web"), ("tags", new Dictionary<string, string> { ["team"] = "net", ["old"] = "x" })))).EnsureOk();
        Assert.Contains("Update", preview.Calls);
        Assert.Equal(up.Outputs.Str("ipAddress"), preview.Outputs.Str("ipAddress"));
        Assert.Equal(id, preview.Outputs.Str("allocationId"));
        Assert.Equal("Available", preview.Outputs.Str("status"));

        var updated = (await h.UpAsync(Spec("plain", ("bandwidth", 10), ("name", "web2"), ("description", "d"),
            ("tags", new Dictionary<string, string> { ["team"] = "edge" })))).EnsureOk();
        Assert.Contains("Update", updated.Calls);
        Assert.Equal(id, updated.Id);
        var live = ali.World.GetEip(id)!;
        Assert.Equal(10, live.Bandwidth);
        Assert.Equal("web2", live.Name);
        Assert.Equal("d", live.Description);
        // The user's tags changed; the provider's ownership marks (publicip:*) stay as they were set at allocation.
        Assert.Equal(new Dictionary<string, string> { ["team"] = "edge" }, live.Tags.Where(t => !t.Key.StartsWith("publicip:", StringComparison.Ordinal)).ToDictionary());
        Assert.Contains("publicip:urn-sha256", live.Tags.Keys);

        (await h.DestroyAsync("plain")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
        Assert.Empty(h.State);
        ali.AssertNoSecret(h);
    }

    [Fact]
    public async Task Associated_eip_waits_for_InUse_reassociates_in_place_and_destroys_in_order()
    {
        var a = ali.AddInstance();
        var b = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        var up = (await h.UpAsync(Spec("assoc", ("instanceId", a.InstanceId)))).EnsureOk();
        var id = up.Id!;
        Assert.Equal("InUse", up.Outputs.Str("status"));
        Assert.Equal(a.InstanceId, up.Outputs.Str("instanceId"));
        Assert.Equal("EcsInstance", up.Outputs.Str("instanceType"));

        var moved = (await h.UpAsync(Spec("assoc", ("instanceId", b.InstanceId)))).EnsureOk();
        Assert.Contains("Update", moved.Calls);
        Assert.Equal(id, moved.Id);
        Assert.Equal(b.InstanceId, ali.World.GetEip(id)!.InstanceId);
        Assert.Equal(EipStatus.InUse, ali.World.GetEip(id)!.Status);

        (await h.DestroyAsync("assoc")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
        Assert.Equal(["AllocateEipAddress", "AssociateEipAddress", "UnassociateEipAddress", "AssociateEipAddress", "UnassociateEipAddress", "ReleaseEipAddress"],
            ActionsOn(id).Prepend("AllocateEipAddress").ToList());
        // No call ran into a transition: every wait waited for the status instead of retrying blindly.
        Assert.DoesNotContain(ali.Emulator.Requests, r => r.Parameters.GetValueOrDefault("AllocationId") == id && r.ErrorCode is "TaskConflict" or "IncorrectEipStatus");
    }

    [Fact]
    public async Task Changing_isp_replaces_the_eip()
    {
        await using var h = await ali.StartPluginAsync();
        var first = (await h.UpAsync(Spec("isp", ("isp", "BGP")))).EnsureOk();
        var second = (await h.UpAsync(Spec("isp", ("isp", "BGP_PRO")))).EnsureOk();
        Assert.Contains("isp", second.Diff!.Replaces);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Null(ali.World.GetEip(first.Id!));
        Assert.Equal("BGP_PRO", ali.World.GetEip(second.Id!)!.ISP);
        (await h.DestroyAsync("isp")).EnsureOk();
    }

    [Fact]
    public async Task Import_by_AllocationId_and_refresh_after_out_of_band_release()
    {
        var seeded = ali.AddEip(e => e with { Name = "seeded", Bandwidth = 7, Tags = new Dictionary<string, string> { ["k"] = "v" } });
        await using var h = await ali.StartPluginAsync();
        var imported = (await h.ImportAsync(EipType, "imp", seeded.AllocationId)).EnsureOk();
        Assert.Equal(seeded.IpAddress, imported.Outputs.Str("ipAddress"));
        Assert.Equal("seeded", imported.Outputs.Str("name"));
        Assert.Equal(7.0, Assert.IsType<NumberValue>(h.State["imp"].Inputs.Get("bandwidth")).Value);

        await ali.OutOfBandVpc().ReleaseEipAddressAsync(new ReleaseEipAddressRequest(seeded.AllocationId, Region), default);
        await Task.Delay(900);
        (await h.RefreshAsync("imp")).EnsureOk();
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task Destroy_of_an_eip_released_out_of_band_succeeds_with_a_warning()
    {
        await using var h = await ali.StartPluginAsync();
        var id = (await h.UpAsync(Spec("oob"))).EnsureOk().Id!;
        await ali.OutOfBandVpc().ReleaseEipAddressAsync(new ReleaseEipAddressRequest(id, Region), default);
        (await h.DestroyAsync("oob")).EnsureOk();
        Assert.Contains(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Warning && m.Message.Contains("already gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReleaseEipAddress_answering_InvalidAllocationId_NotFound_counts_as_released()
    {
        await using var h = await ali.StartPluginAsync();
        var id = (await h.UpAsync(Spec("nf"))).EnsureOk().Id!;
        ali.Emulator.FailNext("ReleaseEipAddress", "InvalidAllocationId.NotFound", 404);
        var destroy = h.DestroyAsync("nf");
        // The release "lost the race" to someone else's: make that true, then the wait for gone ends.
        var watch = Stopwatch.StartNew();
        while (!ali.Emulator.Requests.Any(r => r.Action == "ReleaseEipAddress" && r.ErrorCode == "InvalidAllocationId.NotFound") && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }
        await ali.OutOfBandVpc().ReleaseEipAddressAsync(new ReleaseEipAddressRequest(id, Region), default);
        (await destroy).EnsureOk();
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("InvalidAllocationId.NotFound", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_association_leaves_the_eip_in_state_and_destroyable()
    {
        await using var h = await ali.StartPluginAsync();
        var up = await h.UpAsync(Spec("partial", ("instanceId", "i-doesnotexist")));
        Assert.Equal(StatusCode.FailedPrecondition, up.Code);
        Assert.Contains("InvalidInstanceId.NotFound", up.Error, StringComparison.Ordinal);
        var id = h.State["partial"].Id;
        Assert.StartsWith("eip-", id, StringComparison.Ordinal);
        Assert.NotNull(ali.World.GetEip(id));

        (await h.DestroyAsync("partial")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
    }

    [Theory]
    [InlineData("Forbidden.ChargeTypeIsPrepaid", "state delete")]
    [InlineData("InvalidOperation.DeletionProtection", "deletion protection off")]
    public async Task PrePaid_and_deletion_protection_fail_with_a_remedy_and_keep_the_state(string code, string remedy)
    {
        var eip = ali.AddEip(e => code == "Forbidden.ChargeTypeIsPrepaid" ? e with { ChargeType = "PrePaid" } : e with { DeletionProtection = true });
        await using var h = await ali.StartPluginAsync();
        (await h.ImportAsync(EipType, "kept", eip.AllocationId)).EnsureOk();
        var destroy = await h.DestroyAsync("kept");
        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains($"[{code}]", destroy.Error, StringComparison.Ordinal);
        Assert.Contains(remedy, destroy.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("kept"));
        Assert.NotNull(ali.World.GetEip(eip.AllocationId));

        // The same answer straight from ReleaseEipAddress (the state said nothing about it) is the same diagnostic.
        ali.World.AddEip(ali.World.GetEip(eip.AllocationId)! with { ChargeType = "PostPaid", DeletionProtection = false });
        ali.Emulator.FailNext("ReleaseEipAddress", code);
        var again = await h.DestroyAsync("kept");
        Assert.Contains($"[{code}]", again.Error, StringComparison.Ordinal);
        (await h.DestroyAsync("kept")).EnsureOk();
    }

    [Theory]
    [InlineData("UnassociateEipAddress", "IncorrectEipStatus")]
    [InlineData("UnassociateEipAddress", "TaskConflict")]
    [InlineData("ReleaseEipAddress", "TaskConflict")]
    [InlineData("ReleaseEipAddress", "OperationConflict")]
    [InlineData("ReleaseEipAddress", "LastTokenProcessing")]
    [InlineData("AssociateEipAddress", "InvalidBindingStatus")]
    [InlineData("AssociateEipAddress", "IncorrectInstanceStatus")]
    public async Task Conflict_codes_are_retried_by_name(string action, string code)
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        ali.Emulator.FailNext(action, code, count: 2);
        var id = (await h.UpAsync(Spec("conflict", ("instanceId", instance.InstanceId)))).EnsureOk().Id!;
        (await h.DestroyAsync("conflict")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
        Assert.Contains(h.Engine.Messages, m => m.Ephemeral && m.Message.Contains(code, StringComparison.Ordinal) && m.Message.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttling_and_5xx_are_survived_without_a_duplicate_or_a_leak()
    {
        await using var h = await ali.StartPluginAsync();
        var before = ali.World.Eips.Count;
        ali.Emulator.ThrottleNext("AllocateEipAddress", 2, retryAfterMs: 50);
        ali.Emulator.ServiceUnavailableNext("DescribeEipAddresses", 1);
        var id = (await h.UpAsync(Spec("faults", ("name", "faults")))).EnsureOk().Id!;
        Assert.Equal(before + 1, ali.World.Eips.Count);
        ali.Emulator.ServiceUnavailableNext("ReleaseEipAddress", 2);
        (await h.DestroyAsync("faults")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
        Assert.Equal(before, ali.World.Eips.Count);
    }

    [Fact]
    public async Task A_delay_longer_than_customTimeout_is_DeadlineExceeded_and_keeps_the_state()
    {
        await using var h = await ali.StartPluginAsync();
        var id = (await h.UpAsync(Spec("slow"))).EnsureOk().Id!;
        ali.Emulator.DelayNext("ReleaseEipAddress", 1, TimeSpan.FromSeconds(6));
        var destroy = await h.DestroyAsync("slow", timeoutSeconds: 1.5);
        Assert.Equal(StatusCode.DeadlineExceeded, destroy.Code);
        Assert.Contains("customTimeouts", destroy.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("slow"));
        (await h.DestroyAsync("slow")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
    }

    [Fact]
    public async Task Cancel_during_a_delete_is_Cancelled_and_the_next_destroy_finishes()
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        var id = (await h.UpAsync(Spec("cancel", ("instanceId", instance.InstanceId)))).EnsureOk().Id!;
        ali.Emulator.DelayNext("UnassociateEipAddress", 1, TimeSpan.FromSeconds(10));
        var destroy = h.DestroyAsync("cancel");
        await Task.Delay(800);
        await h.Client.CancelAsync(new Google.Protobuf.WellKnownTypes.Empty());
        var result = await destroy;
        Assert.Equal(StatusCode.Cancelled, result.Code);
        Assert.True(h.State.ContainsKey("cancel"));
        Assert.NotNull(ali.World.GetEip(id));

        await using var again = await ali.StartPluginAsync();
        again.Adopt(h.State["cancel"]);
        (await again.DestroyAsync("cancel")).EnsureOk();
        Assert.Null(ali.World.GetEip(id));
    }

    [Fact]
    public async Task Preview_checks_read_only_and_rehearseDeletes_keeps_the_state()
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync(("rehearseDeletes", true));
        var count = ali.World.Eips.Count;
        (await h.PreviewAsync(Spec("pre", ("instanceId", instance.InstanceId)))).EnsureOk();
        Assert.Equal(count, ali.World.Eips.Count);
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("could not be rehearsed", StringComparison.Ordinal));
        var missing = await h.PreviewAsync(Spec("pre-missing", ("instanceId", "i-nope")));
        Assert.Equal(StatusCode.NotFound, missing.Code);

        var id = (await h.UpAsync(Spec("pre", ("instanceId", instance.InstanceId)))).EnsureOk().Id!;
        var destroy = await h.DestroyAsync("pre");
        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains("rehearsal", destroy.Error, StringComparison.Ordinal);
        Assert.Equal(EipStatus.InUse, ali.World.GetEip(id)!.Status);
        Assert.True(h.State.ContainsKey("pre"));
    }
}
