using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>examples/aws-nondefault-vpc on moto: the same topology, then up and destroy of its ElasticIp with every proxy rule on.</summary>
public class NonDefaultVpcExampleTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    [Fact]
    public async Task Example_topology_up_and_destroy_succeed_with_the_AWS_rules_on()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "examples", "aws-nondefault-vpc", "Pulumi.yaml")));
        Assert.Equal(Ec2ProxyRules.AllOn, aws.Proxy.Rules with { ImplicitReassociationWhenFlagOmitted = false });
        var net = await Ec2Topology.CreateNonDefaultVpcAsync(aws.Ec2);
        await using var h = await aws.StartPluginAsync();
        var spec = new ResourceSpec("publicip:aws:ElasticIp", "web-ip",
            Props.Map(("instanceId", net.InstanceId), ("tags", new Dictionary<string, string> { ["Name"] = "publicip-example" })), TimeoutSeconds: 300);

        (await h.PreviewAsync(spec)).EnsureOk();
        var up = (await h.UpAsync(spec)).EnsureOk();
        Assert.Equal(net.InstanceId, up.Outputs.Str("instanceId"));
        Assert.StartsWith("eipassoc-", up.Outputs.Str("associationId"), StringComparison.Ordinal);
        aws.Proxy.Journal.Clear();

        (await h.DestroyAsync("web-ip", timeoutSeconds: 300)).EnsureOk();

        // The InUse rule answers a release of an associated address in this VPC: the disassociate must come first.
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "DisassociateAddress", "ReleaseAddress"], aws.Proxy.Journal.Actions);
        Assert.All(aws.Proxy.Journal.Entries, e => Assert.Equal(e.Action == "DescribeAddressesAttribute" ? Ec2Outcome.Emulated : Ec2Outcome.Forwarded, e.Outcome));
        Assert.Null(await aws.FindInMotoAsync(up.Id!));
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task The_InUse_rule_would_fail_a_release_that_skips_the_disassociate()
    {
        // Guards the test above: if the proxy stopped enforcing InUse, it would prove nothing.
        var net = await Ec2Topology.CreateNonDefaultVpcAsync(aws.Ec2);
        using var viaProxy = Ec2TestClient.Create(aws.Proxy.Endpoint);
        var allocated = await viaProxy.AllocateAddressAsync(new Amazon.EC2.Model.AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc });
        await viaProxy.AssociateAddressAsync(new Amazon.EC2.Model.AssociateAddressRequest { AllocationId = allocated.AllocationId, InstanceId = net.InstanceId, AllowReassociation = true });
        var e = await Assert.ThrowsAsync<Amazon.EC2.AmazonEC2Exception>(() =>
            viaProxy.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = allocated.AllocationId }));
        Assert.Equal("InvalidIPAddress.InUse", e.ErrorCode);
        await aws.Ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = allocated.AllocationId });
    }
}
