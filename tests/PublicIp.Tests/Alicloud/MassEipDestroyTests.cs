using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using Xunit.Abstractions;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// `pulumi destroy` and `pulumi up` of many EIPs at `--parallel 64` through the published binary, against the Alibaba
/// emulator with API flow control on (token buckets per API, Throttling.User with x-acs-retry-after; refills five
/// times faster than the emulator's default quota, and the plugin is told with alicloudRequestRateScale).
/// </summary>
public class MassEipDestroyTests(AlibabaFixture ali, ITestOutputHelper output) : IClassFixture<AlibabaFixture>
{
    private const string Type = AlibabaFixture.EipType;
    private const int Parallel = 64;

    private static StateEntry Entry(EmulatorEip e, int i) => new(
        Type, $"eip-{i}", LifecycleHarness.Urn(Type, $"eip-{i}"), e.AllocationId,
        Props.Map(("regionId", AlibabaFixture.Region)),
        Props.Map(("allocationId", e.AllocationId), ("ipAddress", e.IpAddress), ("status", e.Status), ("chargeType", "PostPaid"),
            ("regionId", AlibabaFixture.Region), ("instanceId", e.InstanceId), ("instanceType", e.InstanceType)));

    [Fact]
    public async Task Hundreds_of_concurrent_eip_deletes_all_succeed_and_one_released_out_of_band_disturbs_none()
    {
        var eips = Enumerable.Range(0, 150).Select(i =>
        {
            if (i >= 50)
            {
                return ali.AddEip();
            }
            var instance = ali.AddInstance(x => x with { InstanceNetworkType = "vpc", VpcId = "vpc-mass" });
            return ali.AddEip(e => e with { Status = "InUse", InstanceId = instance.InstanceId, InstanceType = "EcsInstance" });
        }).ToList();
        var outOfBand = eips[120];
        await ali.OutOfBandVpc().ReleaseEipAddressAsync(new PublicIp.Alibaba.ReleaseEipAddressRequest(outOfBand.AllocationId, AlibabaFixture.Region), default);
        await using var h = await ali.StartPluginAsync(("alicloudRequestRateScale", 5));
        using var flow = new EmulatorFlowControl(refillScale: 5);
        var before = ali.Emulator.Requests.Count;
        ali.Emulator.FlowControl = flow;
        ParallelOutcome[] results;
        try
        {
            results = await ParallelEngine.DeleteAsync(h.Client, eips.Select(Entry), Parallel);
        }
        finally
        {
            ali.Emulator.FlowControl = null;
        }

        Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Code} {r.Error}"));
        Assert.All(eips, e => Assert.Null(ali.World.GetEip(e.AllocationId)));
        var calls = ali.Emulator.Requests.Skip(before).ToList();
        Assert.Equal(eips.Count - 1, calls.Count(r => r.Action == "ReleaseEipAddress" && r.ErrorCode is null));
        Assert.Equal(50, calls.Count(r => r.Action == "UnassociateEipAddress" && r.ErrorCode is null));
        // Every status wait polls through one coalesced DescribeEipAddresses per round, not one per EIP.
        var describes = calls.Count(r => r.Action == "DescribeEipAddresses");
        Assert.Contains(calls, r => r.Action == "DescribeEipAddresses" && r.Parameters.GetValueOrDefault("AllocationId", "").Contains(',', StringComparison.Ordinal));
        Assert.Contains(h.Engine.Messages, m => m.Urn.EndsWith("::eip-120", StringComparison.Ordinal) && m.Message.Contains("already gone", StringComparison.Ordinal));
        output.WriteLine($"{eips.Count} EIP deletes at --parallel {Parallel}: {calls.Count} calls ({(double)calls.Count / eips.Count:0.00} per delete), " +
            $"{describes} DescribeEipAddresses, {flow.Throttled} throttled");
    }

    [Fact]
    public async Task Hundreds_of_concurrent_eip_creates_all_succeed()
    {
        await using var h = await ali.StartPluginAsync(("alicloudRequestRateScale", 5));
        using var flow = new EmulatorFlowControl(refillScale: 5);
        ali.Emulator.FlowControl = flow;
        ParallelOutcome[] results;
        try
        {
            results = await ParallelEngine.CreateAsync(h.Client,
                Enumerable.Range(0, 120).Select(i => new ResourceSpec(Type, $"new-{i}", Props.Map(("bandwidth", 5)))), Parallel);
        }
        finally
        {
            ali.Emulator.FlowControl = null;
        }
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Code} {r.Error}"));
        Assert.Equal(120, results.Select(r => r.Id).Distinct().Count(id => ali.World.GetEip(id!) is not null));
        output.WriteLine($"120 EIP creates at --parallel {Parallel}: {flow.Throttled} throttled");
    }

    [Fact]
    public async Task A_deadline_too_short_for_the_flow_control_fails_cleanly_with_the_destroy_remedy_and_keeps_state()
    {
        var eips = Enumerable.Range(0, 60).Select(_ => ali.AddEip()).ToList();
        await using var h = await ali.StartPluginAsync();
        using var flow = new EmulatorFlowControl(refillScale: 1);
        ali.Emulator.FlowControl = flow;
        ParallelOutcome[] results;
        try
        {
            // 10 releases/s after a burst of 10, and a wait until each is gone: 60 cannot finish in 3 s.
            results = await ParallelEngine.DeleteAsync(h.Client, eips.Select(Entry), Parallel, timeoutSeconds: 3);
        }
        finally
        {
            ali.Emulator.FlowControl = null;
        }
        var failed = results.Where(r => !r.Ok).ToList();
        // Those that could not send their release in time say why and what to do; a release that went out but whose
        // wait-until-gone met the deadline is DeadlineExceeded (the next destroy finds it gone). Either way the stack keeps it.
        var refused = failed.Where(r => r.Code == StatusCode.Unavailable).ToList();
        Assert.NotEmpty(refused);
        Assert.All(failed, r => Assert.Contains(r.Code, new[] { StatusCode.Unavailable, StatusCode.DeadlineExceeded }));
        Assert.All(refused, r =>
        {
            Assert.Contains("pulumi destroy --parallel", r.Error, StringComparison.Ordinal);
            Assert.Contains("alicloudRequestRateScale", r.Error, StringComparison.Ordinal);
        });
        var byName = eips.Select((e, i) => (e, i)).ToDictionary(x => $"eip-{x.i}", x => x.e.AllocationId);
        // A delete that could not send its release keeps its EIP; one that met the deadline in the wait after the release did release it.
        Assert.All(refused.Where(r => r.Error!.StartsWith("alibaba:ReleaseEipAddress", StringComparison.Ordinal)),
            r => Assert.NotNull(ali.World.GetEip(byName[r.Name])));
        output.WriteLine($"{results.Length - failed.Count} released, {failed.Count} kept; e.g. {failed[0].Error}");
    }
}
