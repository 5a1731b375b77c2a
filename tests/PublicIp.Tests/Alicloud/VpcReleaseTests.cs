using Grpc.Core;
using PublicIp.Harness;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>A VPC instance's NAT public IP past its 6-hour window: convertToEip goes through an EIP, fail names both ways out.</summary>
public class VpcReleaseTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private string OldVpcInstance(out string natIp)
    {
        var ip = "47.3.0." + Random.Shared.Next(1, 250);
        natIp = ip;
        return ali.AddInstance(i => i with
        {
            InstanceNetworkType = "vpc", VpcId = "vpc-1", NatPublicIpAddress = ip, CreationTime = DateTimeOffset.UtcNow.AddHours(-8),
        }).InstanceId;
    }

    [Fact]
    public async Task ConvertToEip_converts_unassociates_and_releases_leaving_no_eip()
    {
        var instanceId = OldVpcInstance(out var natIp);
        await using var h = await ali.StartPluginAsync();
        (await h.ImportAsync(InstanceType, "nat", instanceId)).EnsureOk();
        var update = (await h.UpAsync(new ResourceSpec(InstanceType, "nat", Props.Map(("instanceId", instanceId), ("vpcRelease", "convertToEip"))))).EnsureOk();
        Assert.Equal("convertToEip", update.Outputs.Str("vpcRelease"));

        (await h.DestroyAsync("nat")).EnsureOk();

        Assert.Empty(h.State);
        Assert.DoesNotContain(ali.World.Eips, e => e.IpAddress == natIp);
        Assert.Null(ali.World.GetInstance(instanceId)!.NatPublicIpAddress);
        // Tests in this class run one at a time, so what follows this instance's conversion is this destroy's.
        var requests = ali.Emulator.Requests.ToList();
        var converted = requests.FindIndex(r => r.Action == "ConvertNatPublicIpToEip" && r.Parameters.GetValueOrDefault("InstanceId") == instanceId && r.Status == 200);
        Assert.True(converted >= 0, "ConvertNatPublicIpToEip was not called");
        var after = requests.Skip(converted + 1).Where(r => r.Status == 200 && r.Action is "UnassociateEipAddress" or "ReleaseEipAddress").Select(r => r.Action).ToList();
        Assert.Equal(["UnassociateEipAddress", "ReleaseEipAddress"], after);
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("Forbidden.ExceedDuration", StringComparison.Ordinal) && m.Message.Contains("ConvertNatPublicIpToEip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fail_keeps_the_state_and_names_both_ways_out()
    {
        var instanceId = OldVpcInstance(out var natIp);
        await using var h = await ali.StartPluginAsync();
        (await h.ImportAsync(InstanceType, "stuck", instanceId)).EnsureOk();
        Assert.Equal("fail", h.State["stuck"].Outputs.Str("vpcRelease"));

        var destroy = await h.DestroyAsync("stuck");

        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains("vpcRelease: convertToEip", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("ModifyInstanceNetworkSpec", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("console", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("6 hours", destroy.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("stuck"));
        Assert.Equal(natIp, ali.World.GetInstance(instanceId)!.NatPublicIpAddress);
        Assert.DoesNotContain(ali.Emulator.Requests, r => r.Action == "ConvertNatPublicIpToEip" && r.Parameters.GetValueOrDefault("InstanceId") == instanceId);
    }

    [Fact]
    public async Task OperationDenied_on_a_vpc_instance_with_fail_names_both_ways_out()
    {
        var instanceId = OldVpcInstance(out _);
        ali.World.UpdateInstance(instanceId, i => i with { CreationTime = DateTimeOffset.UtcNow });
        await using var h = await ali.StartPluginAsync();
        (await h.ImportAsync(InstanceType, "denied", instanceId)).EnsureOk();
        ali.Emulator.FailNext("ReleasePublicIpAddress", "OperationDenied", message: "The specified instance is in VPC.");
        var destroy = await h.DestroyAsync("denied");
        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains("[OperationDenied]", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("vpcRelease: convertToEip", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("ModifyInstanceNetworkSpec", destroy.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("denied"));
    }

    [Fact]
    public async Task A_conversion_interrupted_before_the_eip_release_is_finished_by_the_next_destroy()
    {
        var instanceId = OldVpcInstance(out var natIp);
        await using var h = await ali.StartPluginAsync();
        (await h.ImportAsync(InstanceType, "half", instanceId)).EnsureOk();
        (await h.UpAsync(new ResourceSpec(InstanceType, "half", Props.Map(("instanceId", instanceId), ("vpcRelease", "convertToEip"))))).EnsureOk();
        ali.Emulator.FailNext("UnassociateEipAddress", "Forbidden", 403);
        var first = await h.DestroyAsync("half");
        Assert.Equal(StatusCode.PermissionDenied, first.Code);
        Assert.Contains(ali.World.Eips, e => e.IpAddress == natIp);

        (await h.DestroyAsync("half")).EnsureOk();
        Assert.DoesNotContain(ali.World.Eips, e => e.IpAddress == natIp);
    }
}
