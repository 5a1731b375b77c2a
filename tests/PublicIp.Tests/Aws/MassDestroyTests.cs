using Grpc.Core;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using Xunit.Abstractions;

namespace PublicIp.Tests.Aws;

/// <summary>
/// `pulumi destroy` and `pulumi up` of hundreds of addresses at `--parallel 64`, through the published binary, against
/// moto behind the fault proxy with EC2's documented token buckets (refills ten times faster, so the test is quick;
/// the plugin is told with awsRequestRateScale). Without the shared rate budget, coalesced reads and deadline-bound
/// retries, most of these deletes fail with RequestLimitExceeded (see issue 13's measurements).
/// </summary>
public class MassDestroyTests(AwsFixture aws, ITestOutputHelper output) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private const int Parallel = 64;

    private static StateEntry Entry(FleetAddress a, int i) => new(
        Type, $"ip-{i}", LifecycleHarness.Urn(Type, $"ip-{i}"), a.AllocationId,
        Props.Map(("domain", "vpc")),
        Props.Map(("allocationId", a.AllocationId), ("publicIp", a.PublicIp), ("domain", "vpc"), ("associationId", a.AssociationId),
            ("networkInterfaceId", a.NetworkInterfaceId), ("allowReassociation", true)));

    [Fact]
    public async Task Hundreds_of_concurrent_deletes_all_succeed_and_one_released_out_of_band_disturbs_none()
    {
        using var throttling = new Ec2Throttling(refillScale: 10);
        var fleet = await Ec2Fleet.AllocateAsync(Aws.Ec2, count: 240, associated: 80);
        var outOfBand = fleet[200];
        await Aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = outOfBand.AllocationId });
        await using var h = await Aws.StartPluginAsync(("awsRequestRateScale", 10));
        Aws.Proxy.Journal.Clear();
        Aws.Proxy.Throttling = throttling;
        try
        {
            var started = DateTimeOffset.UtcNow;
            var results = await ParallelEngine.DeleteAsync(h.Client, fleet.Select(Entry), Parallel);
            var took = DateTimeOffset.UtcNow - started;

            Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Code} {r.Error}"));
            Assert.Empty(await Ec2Fleet.StillAllocatedAsync(Aws.Ec2, fleet.Select(a => a.AllocationId)));
            var journal = Aws.Proxy.Journal.Entries;
            var answered = journal.Where(e => e.Outcome != Ec2Outcome.Throttled).ToList();
            // The minimum mutating calls: one release per address still there, one disassociate per associated one.
            Assert.Equal(fleet.Count - 1, answered.Count(e => e.Action == "ReleaseAddress" && e.ErrorCode is null));
            Assert.Equal(80, answered.Count(e => e.Action == "DisassociateAddress" && e.ErrorCode is null));
            // Reads coalesce: far fewer DescribeAddresses than addresses, each asking by filter, never AllocationIds, when batched.
            var describes = journal.Count(e => e.Action == "DescribeAddresses");
            Assert.True(describes < fleet.Count / 4, $"{describes} DescribeAddresses for {fleet.Count} deletes");
            Assert.All(answered.Where(e => e.Action == "DescribeAddresses" && e.Get("Filter.1.Name") is not null),
                e => Assert.Null(e.Get("AllocationId.1")));
            // Queueing for the budget, not racing into the throttle: a handful of throttled answers at most.
            var throttled = journal.Where(e => e.Outcome == Ec2Outcome.Throttled).GroupBy(e => e.Action).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(throttled.Values.Sum() <= fleet.Count / 10, $"throttled answers: {string.Join(", ", throttled.Select(kv => $"{kv.Key} {kv.Value}"))}");
            Assert.Contains(h.Engine.Messages, m => m.Severity == LogSeverity.Warning && m.Urn.EndsWith("::ip-200", StringComparison.Ordinal)
                && m.Message.Contains("already", StringComparison.Ordinal));
            var least = throttling.LeastTime("ReleaseAddress", fleet.Count - 1);
            output.WriteLine($"{fleet.Count} deletes at --parallel {Parallel}: {took.TotalSeconds:0.0} s (buckets allow {least.TotalSeconds:0.0} s), " +
                $"{journal.Count} calls ({(double)journal.Count / fleet.Count:0.00} per delete), {describes} DescribeAddresses, {throttled.Values.Sum()} throttled");
        }
        finally
        {
            Aws.Proxy.Throttling = null;
        }
    }

    [Fact]
    public async Task Hundreds_of_concurrent_creates_all_succeed()
    {
        using var throttling = new Ec2Throttling(refillScale: 10);
        await using var h = await Aws.StartPluginAsync(("awsRequestRateScale", 10));
        Aws.Proxy.Journal.Clear();
        Aws.Proxy.Throttling = throttling;
        ParallelOutcome[] results;
        try
        {
            var specs = Enumerable.Range(0, 200).Select(i => Spec($"new-{i}", ("tags", new Dictionary<string, string> { ["batch"] = "mass" })));
            results = await ParallelEngine.CreateAsync(h.Client, specs, Parallel);
        }
        finally
        {
            Aws.Proxy.Throttling = null;
        }
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Code} {r.Error}"));
        var ids = results.Select(r => r.Id!).ToList();
        Assert.Equal(200, ids.Distinct().Count());
        Assert.Equal(200, (await Ec2Fleet.StillAllocatedAsync(Aws.Ec2, ids)).Count);
        Assert.Equal(200, Aws.Proxy.Journal.Entries.Count(e => e.Action == "AllocateAddress" && e.Outcome != Ec2Outcome.Throttled && e.ErrorCode is null));
        foreach (var id in ids)
        {
            await Aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = id });
        }
    }

    [Fact]
    public async Task A_deadline_too_short_for_the_budget_fails_cleanly_with_the_destroy_remedy_and_keeps_state()
    {
        // The documented rates (5 releases/s after a burst of 50): 110 deletes cannot finish in 4 s.
        using var throttling = new Ec2Throttling(refillScale: 1);
        var fleet = await Ec2Fleet.AllocateAsync(Aws.Ec2, count: 110, associated: 0);
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Throttling = throttling;
        ParallelOutcome[] results;
        try
        {
            results = await ParallelEngine.DeleteAsync(h.Client, fleet.Select(Entry), Parallel, timeoutSeconds: 4);
        }
        finally
        {
            Aws.Proxy.Throttling = null;
        }

        var failed = results.Where(r => !r.Ok).ToList();
        Assert.NotEmpty(failed);
        // While a delete queued for the budget the user was told, as a status line (ephemeral), not a warning.
        Assert.Contains(h.Engine.Messages, m => m.Ephemeral && m.Message.Contains("rate limit before", StringComparison.Ordinal)
            && m.Message.Contains("requests queued", StringComparison.Ordinal));
        // A delete that could not get its turn says why and what to do (Unavailable); on a loaded machine a call still in
        // flight at the deadline is the engine's DeadlineExceeded. Either way the state is kept.
        Assert.All(failed, r => Assert.Contains(r.Code, new[] { StatusCode.Unavailable, StatusCode.DeadlineExceeded }));
        var refused = failed.Where(r => r.Code == StatusCode.Unavailable).ToList();
        Assert.All(refused, r =>
        {
            Assert.Matches(@"`pulumi destroy --parallel \d+`", r.Error);
            Assert.Contains("customTimeouts", r.Error, StringComparison.Ordinal);
            Assert.Contains("nothing was removed from the stack's state", r.Error, StringComparison.Ordinal);
        });
        // A refused delete keeps its address, and no successful delete left one behind.
        var still = await Ec2Fleet.StillAllocatedAsync(Aws.Ec2, fleet.Select(a => a.AllocationId));
        var byName = fleet.Select((a, i) => (a, i)).ToDictionary(x => $"ip-{x.i}", x => x.a.AllocationId);
        Assert.All(refused, r => Assert.Contains(byName[r.Name], still));
        Assert.All(results.Where(r => r.Ok), r => Assert.DoesNotContain(byName[r.Name], still));
        output.WriteLine($"{results.Length - failed.Count} released, {failed.Count} kept; e.g. {failed[0].Error}");
        foreach (var id in still)
        {
            await Aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = id });
        }
    }
}
