using System.Net;
using PublicIp.AlibabaEmulator;
using Xunit;

namespace PublicIp.Alibaba.Tests;

/// <summary>ECS public-IP rules of the emulator, driven and parsed through our typed API.</summary>
public class EcsEmulatorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<AlibabaApiException> ReleaseFails(Harness h, ReleasePublicIpAddressRequest request) =>
        await Assert.ThrowsAsync<AlibabaApiException>(() => h.Ecs().ReleasePublicIpAddressAsync(request, None));

    [Fact]
    public async Task Release_error_codes()
    {
        await using var h = await Harness.StartAsync(o => o with { PublicIpReleaseQuota = 1 });
        var w = h.World;
        w.AddInstance(new EmulatorInstance("i-classic") { PublicIpAddress = "47.0.0.1" });
        w.AddInstance(new EmulatorInstance("i-starting") { PublicIpAddress = "47.0.0.2", Status = InstanceStatus.Starting });
        w.AddInstance(new EmulatorInstance("i-locked") { PublicIpAddress = "47.0.0.3", SecurityLocked = true });
        w.AddInstance(new EmulatorInstance("i-bound") { PublicIpAddress = "47.0.0.4", ReleaseRequiresInstanceId = true });
        w.AddInstance(new EmulatorInstance("i-vpc") { InstanceNetworkType = "vpc", VpcId = "vpc-1", NatPublicIpAddress = "47.0.0.5" });
        w.AddInstance(new EmulatorInstance("i-quota") { PublicIpAddress = "47.0.0.6", PublicIpReleases = 1 });
        w.AddInstance(new EmulatorInstance("i-eip") { InstanceNetworkType = "vpc", VpcId = "vpc-1", EipAllocationId = "eip-1" });
        w.AddEip(new EmulatorEip("eip-1", "47.0.0.7") { Status = EipStatus.InUse, InstanceId = "i-eip", InstanceType = "EcsInstance" });

        var cases = new (ReleasePublicIpAddressRequest Request, string Code, HttpStatusCode Status)[]
        {
            (new("47.0.0.7", "i-eip"), "OperationDenied", HttpStatusCode.BadRequest),
            (new("47.9.9.9"), "InvalidIpAddress.NotFound", HttpStatusCode.BadRequest),
            (new("47.0.0.1", "i-classic", "cn-beijing", DryRun: true), "DryRunOperation", HttpStatusCode.BadRequest),
            (new("47.0.0.2", "i-starting"), "IncorrectInstanceStatus", HttpStatusCode.Forbidden),
            (new("47.0.0.3", "i-locked"), "InstanceLockedForSecurity", HttpStatusCode.Forbidden),
            (new("47.0.0.4"), "InvalidIpAddress.NeedInstanceId", HttpStatusCode.BadRequest),
            (new("47.0.0.6", "i-quota"), "OperationTimesOverLimit", HttpStatusCode.Forbidden),
            (new("47.0.0.1", "i-missing"), "InvalidInstanceId.NotFound", HttpStatusCode.NotFound),
        };
        foreach (var (request, code, status) in cases)
        {
            var e = await ReleaseFails(h, request);
            Assert.Equal((code, status, "ReleasePublicIpAddress"), (e.Code, e.HttpStatus, e.Action));
        }

        h.Clock.Advance(TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1));
        var late = await ReleaseFails(h, new("47.0.0.5", "i-vpc"));
        Assert.Equal("Forbidden.ExceedDuration", late.Code);

        // The dry run changed nothing, and a real release then succeeds once; the quota of 1 then refuses a second.
        await h.Ecs().ReleasePublicIpAddressAsync(new("47.0.0.4", "i-bound"), None);
        Assert.Equal(("47.0.0.1", 0), (w.GetInstance("i-classic")!.PublicIpAddress, w.GetInstance("i-classic")!.PublicIpReleases));
    }

    [Fact]
    public async Task A_nat_public_ip_can_be_released_within_six_hours_of_creation()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-vpc") { InstanceNetworkType = "vpc", VpcId = "vpc-1", NatPublicIpAddress = "47.0.0.5" });
        h.Clock.Advance(TimeSpan.FromHours(5));

        await h.Ecs().ReleasePublicIpAddressAsync(new("47.0.0.5", "i-vpc", "cn-beijing"), None);

        Assert.Null(h.World.GetInstance("i-vpc")!.NatPublicIpAddress);
    }

    [Fact]
    public async Task Allocate_returns_the_existing_address_on_repeat_and_enforces_status_and_bandwidth()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { Status = InstanceStatus.Stopped });
        h.World.AddInstance(new EmulatorInstance("i-pending") { Status = InstanceStatus.Pending });
        h.World.AddInstance(new EmulatorInstance("i-nobw") { InternetMaxBandwidthOut = 0 });
        var ecs = h.Ecs();

        var first = await ecs.AllocatePublicIpAddressAsync(new("i-1"), None);
        var again = await ecs.AllocatePublicIpAddressAsync(new("i-1"), None);
        var status = await Assert.ThrowsAsync<AlibabaApiException>(() => ecs.AllocatePublicIpAddressAsync(new("i-pending"), None));
        var bandwidth = await Assert.ThrowsAsync<AlibabaApiException>(() => ecs.AllocatePublicIpAddressAsync(new("i-nobw"), None));
        var missing = await Assert.ThrowsAsync<AlibabaApiException>(() => ecs.AllocatePublicIpAddressAsync(new("i-none"), None));

        Assert.Equal(first, again);
        Assert.Equal(first, h.World.GetInstance("i-1")!.PublicIpAddress);
        Assert.Equal("IncorrectInstanceStatus", status.Code);
        Assert.Equal("InvalidInternetMaxBandwidthOut.Zero", bandwidth.Code);
        Assert.Equal("InvalidInstanceId.NotFound", missing.Code);
    }

    [Fact]
    public async Task DescribeInstances_reads_every_field()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { PublicIpAddress = "47.0.0.1", SecurityLocked = true, InternetMaxBandwidthOut = 7, CreationTime = Harness.Start.AddDays(-1) });
        h.World.AddInstance(new EmulatorInstance("i-2") { InstanceNetworkType = "vpc", VpcId = "vpc-9", NatPublicIpAddress = "47.0.0.2", Status = InstanceStatus.Stopping });
        h.World.AddInstance(new EmulatorInstance("i-3"));

        var found = await h.Ecs(AlibabaSignatureMode.RpcV1Form).DescribeInstancesAsync(new("cn-beijing", ["i-1", "i-2"]), None);

        Assert.Equal(["i-1", "i-2"], found.Select(i => i.InstanceId));
        Assert.Equal(new EcsInstance("i-1", "Running", "classic", null, ["47.0.0.1"], null, null, Harness.Start.AddDays(-1), ["security"], 7),
            found[0] with { PublicIpAddresses = found[0].PublicIpAddresses.ToList(), OperationLocks = found[0].OperationLocks.ToList() },
            new EcsInstanceComparer());
        Assert.Equal(("Stopping", true, "vpc-9", "47.0.0.2"), (found[1].Status, found[1].IsVpc, found[1].VpcId, found[1].PublicIpAddresses.Single()));
    }

    [Fact]
    public async Task ConvertNatPublicIpToEip_turns_the_address_into_an_associated_eip()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-vpc") { InstanceNetworkType = "vpc", VpcId = "vpc-1", NatPublicIpAddress = "47.0.0.5" });
        h.World.AddInstance(new EmulatorInstance("i-classic") { PublicIpAddress = "47.0.0.6" });

        await h.Ecs().ConvertNatPublicIpToEipAsync(new("i-vpc", "cn-beijing"), None);
        var classic = await Assert.ThrowsAsync<AlibabaApiException>(() => h.Ecs().ConvertNatPublicIpToEipAsync(new("i-classic", "cn-beijing"), None));

        var instance = Assert.Single(await h.Ecs().DescribeInstancesAsync(new("cn-beijing", ["i-vpc"]), None));
        Assert.Equal("47.0.0.5", instance.EipAddress);
        var eip = Assert.Single(await h.Vpc().DescribeEipAddressesAsync(new("cn-beijing", instance.EipAllocationId!), None));
        Assert.Equal(("47.0.0.5", EipStatus.InUse, "i-vpc"), (eip.IpAddress, eip.Status, eip.InstanceId));
        Assert.Equal("OperationDenied", classic.Code);
    }

    private sealed class EcsInstanceComparer : IEqualityComparer<EcsInstance>
    {
        public bool Equals(EcsInstance? x, EcsInstance? y) =>
            x is not null && y is not null
            && (x.InstanceId, x.Status, x.InstanceNetworkType, x.VpcId, x.EipAddress, x.CreationTime, x.InternetMaxBandwidthOut)
               == (y.InstanceId, y.Status, y.InstanceNetworkType, y.VpcId, y.EipAddress, y.CreationTime, y.InternetMaxBandwidthOut)
            && x.PublicIpAddresses.SequenceEqual(y.PublicIpAddresses) && x.OperationLocks.SequenceEqual(y.OperationLocks);

        public int GetHashCode(EcsInstance obj) => obj.InstanceId.GetHashCode(StringComparison.Ordinal);
    }
}
