using System.Net;
using PublicIp.AlibabaEmulator;
using Xunit;

namespace PublicIp.Alibaba.Tests;

/// <summary>The EIP status machine, conflicts, protections and idempotency, through our typed VPC API.</summary>
public class EipEmulatorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<string> Fails(Func<Task> call) => (await Assert.ThrowsAsync<AlibabaApiException>(call)).Code;

    [Fact]
    public async Task Associate_unassociate_release_walk_the_status_machine_with_conflicts_in_between()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { InstanceNetworkType = "vpc", VpcId = "vpc-1" });
        var vpc = h.Vpc(AlibabaSignatureMode.RpcV1Form);
        var id = (await vpc.AllocateEipAddressAsync(new("cn-beijing") { Bandwidth = 10 }, None)).AllocationId;
        async Task<string> Status() => (await vpc.DescribeEipAddressesAsync(new("cn-beijing", id), None)).Single().Status;

        Assert.Equal(EipStatus.Available, await Status());
        Assert.Equal("IncorrectEipStatus", await Fails(() => vpc.UnassociateEipAddressAsync(new(id, "cn-beijing"), None)));
        await vpc.AssociateEipAddressAsync(new(id, "i-1", "cn-beijing"), None);
        Assert.Equal(EipStatus.Associating, await Status());
        Assert.Equal("TaskConflict", await Fails(() => vpc.ModifyEipAddressAttributeAsync(new(id, "cn-beijing") { Bandwidth = 20 }, None)));

        h.Clock.Advance(TimeSpan.FromSeconds(5));
        var inUse = (await vpc.DescribeEipAddressesAsync(new("cn-beijing", id), None)).Single();
        Assert.Equal((EipStatus.InUse, "i-1", "EcsInstance"), (inUse.Status, inUse.InstanceId, inUse.InstanceType));
        Assert.Equal("IncorrectEipStatus", await Fails(() => vpc.ReleaseEipAddressAsync(new(id, "cn-beijing"), None)));
        Assert.Equal("IncorrectEipStatus", await Fails(() => vpc.AssociateEipAddressAsync(new(id, "i-1", "cn-beijing"), None)));

        await vpc.UnassociateEipAddressAsync(new(id, "cn-beijing") { InstanceId = "i-1", InstanceType = "EcsInstance" }, None);
        Assert.Equal(EipStatus.Unassociating, await Status());
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(EipStatus.Available, await Status());
        Assert.Null(h.World.GetInstance("i-1")!.EipAllocationId);

        await vpc.ReleaseEipAddressAsync(new(id, "cn-beijing"), None);
        Assert.Equal(EipStatus.Releasing, await Status());
        Assert.Equal("IncorrectStatus", await Fails(() => vpc.ReleaseEipAddressAsync(new(id, "cn-beijing"), None)));
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await vpc.DescribeEipAddressesAsync(new("cn-beijing", id), None));

        var gone = await Assert.ThrowsAsync<AlibabaApiException>(() => vpc.ReleaseEipAddressAsync(new(id, "cn-beijing"), None));
        Assert.Equal(("InvalidAllocationId.NotFound", HttpStatusCode.NotFound), (gone.Code, gone.HttpStatus));
    }

    [Fact]
    public async Task PrePaid_and_deletion_protected_eips_cannot_be_released()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddEip(new EmulatorEip("eip-pre", "47.0.1.1") { ChargeType = "PrePaid" });
        h.World.AddEip(new EmulatorEip("eip-prot", "47.0.1.2") { DeletionProtection = true });
        var vpc = h.Vpc();

        Assert.Equal("Forbidden.ChargeTypeIsPrepaid", await Fails(() => vpc.ReleaseEipAddressAsync(new("eip-pre", "cn-beijing"), None)));
        Assert.Equal("InvalidOperation.DeletionProtection", await Fails(() => vpc.ReleaseEipAddressAsync(new("eip-prot", "cn-beijing"), None)));
        var prot = (await vpc.DescribeEipAddressesAsync(new("cn-beijing", "eip-prot"), None)).Single();
        Assert.True(prot.DeletionProtection);
        var prePaid = await vpc.AllocateEipAddressAsync(new("cn-beijing") { InstanceChargeType = "PrePaid" }, None);
        Assert.Null(prePaid.EipAddress);
        Assert.Equal("PrePaid", (await vpc.DescribeEipAddressesAsync(new("cn-beijing", prePaid.AllocationId), None)).Single().ChargeType);
    }

    [Fact]
    public async Task The_same_client_token_allocates_once_and_a_different_request_with_it_is_a_mismatch()
    {
        await using var h = await Harness.StartAsync();
        var vpc = h.Vpc();
        var request = new AllocateEipAddressRequest("cn-beijing") { Name = "web", ClientToken = "tok-1" };

        var first = await vpc.AllocateEipAddressAsync(request, None);
        var second = await vpc.AllocateEipAddressAsync(request, None);

        Assert.Equal(first, second);
        Assert.Single(h.World.Eips);
        Assert.Equal("IdempotentParameterMismatch", await Fails(() => vpc.AllocateEipAddressAsync(request with { Name = "other" }, None)));
    }

    [Fact]
    public async Task Retrying_an_associate_with_its_token_while_it_runs_is_LastTokenProcessing_and_a_second_eip_is_OperationConflict()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { InstanceNetworkType = "vpc", VpcId = "vpc-1" });
        h.World.AddEip(new EmulatorEip("eip-a", "47.0.2.1"));
        h.World.AddEip(new EmulatorEip("eip-b", "47.0.2.2"));
        var raw = h.Client();
        var associate = new AlibabaRequest(AlibabaProduct.Vpc, "AssociateEipAddress", new Dictionary<string, string>
        {
            ["AllocationId"] = "eip-a", ["InstanceId"] = "i-1", ["RegionId"] = "cn-beijing", ["ClientToken"] = "assoc-1",
        });

        await raw.CallAsync(associate, None);
        Assert.Equal("LastTokenProcessing", await Fails(() => raw.CallAsync(associate, None)));
        Assert.Equal("OperationConflict", await Fails(() => h.Vpc().AssociateEipAddressAsync(new("eip-b", "i-1", "cn-beijing"), None)));

        h.Clock.Advance(TimeSpan.FromSeconds(5));
        await raw.CallAsync(associate, None);
        Assert.Equal(EipStatus.InUse, h.World.GetEip("eip-a")!.Status);
    }

    [Fact]
    public async Task Describe_modify_and_tags_round_trip()
    {
        await using var h = await Harness.StartAsync();
        var vpc = h.Vpc(AlibabaSignatureMode.RpcV1Query);
        var allocated = await vpc.AllocateEipAddressAsync(new("cn-beijing")
        {
            Bandwidth = 3, InternetChargeType = "PayByTraffic", ISP = "BGP_PRO", Name = "n", Description = "d", ResourceGroupId = "rg-1",
            Tags = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
        }, None);

        await vpc.ModifyEipAddressAttributeAsync(new(allocated.AllocationId, "cn-beijing") { Bandwidth = 8, Name = "renamed" }, None);
        await vpc.TagResourcesAsync(new("cn-beijing", allocated.AllocationId, new Dictionary<string, string> { ["c"] = "3" }), None);
        await vpc.UntagResourcesAsync(new("cn-beijing", allocated.AllocationId, ["a"]), None);
        var missing = await Assert.ThrowsAsync<AlibabaApiException>(() =>
            vpc.TagResourcesAsync(new("cn-beijing", "eip-none", new Dictionary<string, string> { ["x"] = "y" }), None));

        var eip = (await vpc.DescribeEipAddressesAsync(new("cn-beijing", allocated.AllocationId), None)).Single();
        Assert.Equal((allocated.EipAddress, EipStatus.Available, 8, "PayByTraffic", "PostPaid", "BGP_PRO", "renamed", "d", "rg-1"),
            (eip.IpAddress, eip.Status, eip.Bandwidth, eip.InternetChargeType, eip.ChargeType, eip.ISP, eip.Name, eip.Description, eip.ResourceGroupId));
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, eip.Tags);
        Assert.Empty(eip.OperationLocks);
        Assert.Equal("InvalidResourceId.NotFound", missing.Code);
        Assert.Equal("InvalidRegionId.NotFound", await Fails(() => vpc.DescribeEipAddressesAsync(new("xx-nowhere-1", allocated.AllocationId), None)));
    }

    [Fact]
    public async Task Transitions_also_finish_on_a_real_clock()
    {
        await using var h = await Harness.StartAsync(o => o with { Clock = TimeProvider.System, AssociateDuration = TimeSpan.FromMilliseconds(100) });
        h.World.AddInstance(new EmulatorInstance("i-1"));
        h.World.AddEip(new EmulatorEip("eip-a", "47.0.3.1"));
        var vpc = new VpcEipApi(h.Client(clock: TimeProvider.System));

        await vpc.AssociateEipAddressAsync(new("eip-a", "i-1", "cn-beijing"), None);
        await Task.Delay(200);

        Assert.Equal(EipStatus.InUse, (await vpc.DescribeEipAddressesAsync(new("cn-beijing", "eip-a"), None)).Single().Status);
    }
}
