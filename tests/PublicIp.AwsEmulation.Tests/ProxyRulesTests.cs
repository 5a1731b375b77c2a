using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation.Tests;

/// <summary>The AWS rules the proxy adds on top of moto, each shown firing and not firing.</summary>
public sealed class ProxyRulesTests(MotoProxyFixture env) : ProxyTestBase(env), IClassFixture<MotoProxyFixture>
{
    [Fact]
    public async Task Allocating_a_pinned_address_the_account_holds_fails_until_it_is_released()
    {
        var first = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, Address = "198.51.100.201" }, Ct);

        var again = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, Address = "198.51.100.201" }, Ct));
        Assert.Equal("InvalidAddressID.NotFound", again.ErrorCode);

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = first.AllocationId }, Ct);
        var recovered = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, Address = "198.51.100.201" }, Ct);
        Assert.Equal("198.51.100.201", recovered.PublicIp);
        Assert.Equal([(Ec2Outcome.Forwarded, (string?)null), (Ec2Outcome.Rule, "InvalidAddressID.NotFound"), (Ec2Outcome.Forwarded, null)],
            Proxy.Journal.For("AllocateAddress").Select(e => (e.Outcome, e.ErrorCode)));
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = recovered.AllocationId }, Ct);
    }

    [Fact]
    public async Task Release_while_associated_in_default_vpc_succeeds_and_disassociates()
    {
        var instance = await Ec2Topology.LaunchInDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = instance.InstanceId, AllowReassociation = false }, Ct);

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
        var entry = Assert.Single(Proxy.Journal.For("ReleaseAddress"));
        Assert.Equal(Ec2Outcome.Forwarded, entry.Outcome);
    }

    [Fact]
    public async Task Release_while_associated_in_non_default_vpc_is_InUse_until_disassociated()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        var association = await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = topology.InstanceId, AllowReassociation = false }, Ct);
        var publicIp = (await DescribeInMotoAsync(allocationId))!.PublicIp;

        var inUse = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));
        Assert.Equal("InvalidIPAddress.InUse", inUse.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, inUse.StatusCode);
        Assert.Equal($"Address {publicIp} is in use.", inUse.Message);
        Assert.NotNull(await DescribeInMotoAsync(allocationId));

        await Ec2.DisassociateAddressAsync(new DisassociateAddressRequest { AssociationId = association.AssociationId }, Ct);
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
        Assert.Equal(
            [(Ec2Outcome.Rule, "InvalidIPAddress.InUse"), (Ec2Outcome.Forwarded, (string?)null)],
            Proxy.Journal.For("ReleaseAddress").Select(e => (e.Outcome, e.ErrorCode)));
    }

    [Fact]
    public async Task Release_while_associated_with_an_eni_in_non_default_vpc_is_InUse()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, NetworkInterfaceId = topology.NetworkInterfaceId, AllowReassociation = false }, Ct);

        var inUse = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));

        Assert.Equal("InvalidIPAddress.InUse", inUse.ErrorCode);
    }

    [Fact]
    public async Task InUse_rule_switched_off_lets_moto_release_an_associated_address()
    {
        Proxy.Rules = Ec2ProxyRules.AllOn with { InUseInNonDefaultVpc = false };
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = topology.InstanceId, AllowReassociation = false }, Ct);

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
    }

    [Fact]
    public async Task DryRun_release_of_an_address_in_use_is_DryRunOperation_because_AWS_only_checks_permissions()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = topology.InstanceId, AllowReassociation = false }, Ct);

        var dryRun = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId, DryRun = true }, Ct));

        Assert.Equal("DryRunOperation", dryRun.ErrorCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, dryRun.StatusCode);
        Assert.True(Assert.Single(Proxy.Journal.For("ReleaseAddress")).DryRun);
    }

    [Fact]
    public async Task Release_with_another_network_border_group_is_InvalidAddress_NotFound_and_keeps_the_address()
    {
        var allocationId = await AllocateAsync(networkBorderGroup: "us-east-1");

        var wrongGroup = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(
            new ReleaseAddressRequest { AllocationId = allocationId, NetworkBorderGroup = "us-east-1-lax-1" }, Ct));

        Assert.Equal("InvalidAddress.NotFound", wrongGroup.ErrorCode);
        Assert.NotNull(await DescribeInMotoAsync(allocationId));
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId, NetworkBorderGroup = "us-east-1" }, Ct);
        Assert.Null(await DescribeInMotoAsync(allocationId));
    }

    [Fact]
    public async Task Release_without_network_border_group_of_a_local_zone_address_is_forwarded()
    {
        var allocationId = await AllocateAsync(networkBorderGroup: "us-east-1-lax-1");

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
    }

    [Fact]
    public async Task Allocate_and_Describe_report_network_border_group_and_public_ipv4_pool_as_AWS_does()
    {
        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, NetworkBorderGroup = "us-east-1-lax-1", PublicIpv4Pool = "ipv4pool-ec2-0123456789abcdef0" }, Ct);
        var plain = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct);

        Assert.Equal("us-east-1-lax-1", allocated.NetworkBorderGroup);
        Assert.Equal("ipv4pool-ec2-0123456789abcdef0", allocated.PublicIpv4Pool);
        Assert.Equal("us-east-1", plain.NetworkBorderGroup);
        Assert.Equal("amazon", plain.PublicIpv4Pool);

        var described = await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocated.AllocationId, plain.AllocationId] }, Ct);
        var byId = described.Addresses.ToDictionary(a => a.AllocationId);
        Assert.Equal("us-east-1-lax-1", byId[allocated.AllocationId].NetworkBorderGroup);
        Assert.Equal("ipv4pool-ec2-0123456789abcdef0", byId[allocated.AllocationId].PublicIpv4Pool);
        Assert.Equal("us-east-1", byId[plain.AllocationId].NetworkBorderGroup);
    }

    [Fact]
    public async Task Network_border_group_rule_switched_off_shows_moto_as_is()
    {
        Proxy.Rules = Ec2ProxyRules.MotoAsIs;

        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, NetworkBorderGroup = "us-east-1" }, Ct);
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocated.AllocationId, NetworkBorderGroup = "us-west-2-lax-1" }, Ct);

        Assert.Null(allocated.NetworkBorderGroup);
        Assert.Null(await DescribeInMotoAsync(allocated.AllocationId));
    }

    [Fact]
    public async Task Associate_with_a_private_ip_not_on_the_interface_is_InvalidParameterValue()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();

        var notMapped = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AssociateAddressAsync(new AssociateAddressRequest
        {
            AllocationId = allocationId, NetworkInterfaceId = topology.NetworkInterfaceId, PrivateIpAddress = "10.9.200.200", AllowReassociation = false,
        }, Ct));

        Assert.Equal("InvalidParameterValue", notMapped.ErrorCode);
        Assert.Equal($"10.9.200.200 is not mapped to the interface {topology.NetworkInterfaceId}", notMapped.Message);
        Assert.True(string.IsNullOrEmpty((await DescribeInMotoAsync(allocationId))!.AssociationId));
    }

    [Fact]
    public async Task Associate_by_instance_with_a_private_ip_of_another_interface_is_InvalidParameterValue()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();

        var notMapped = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AssociateAddressAsync(new AssociateAddressRequest
        {
            AllocationId = allocationId, InstanceId = topology.InstanceId, PrivateIpAddress = topology.NetworkInterfaceSecondaryPrivateIp, AllowReassociation = false,
        }, Ct));

        Assert.Equal($"{topology.NetworkInterfaceSecondaryPrivateIp} is not mapped to the interface {topology.InstanceNetworkInterfaceId}", notMapped.Message);
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest
        {
            AllocationId = allocationId, InstanceId = topology.InstanceId, PrivateIpAddress = topology.InstancePrivateIp, AllowReassociation = false,
        }, Ct);
    }

    [Fact]
    public async Task Associate_with_a_secondary_private_ip_succeeds_and_Describe_reports_that_ip()
    {
        var topology = await Ec2Topology.CreateNonDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();

        await Ec2.AssociateAddressAsync(new AssociateAddressRequest
        {
            AllocationId = allocationId, NetworkInterfaceId = topology.NetworkInterfaceId, PrivateIpAddress = topology.NetworkInterfaceSecondaryPrivateIp, AllowReassociation = false,
        }, Ct);

        var throughProxy = (await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocationId] }, Ct)).Addresses.Single();
        Assert.Equal(topology.NetworkInterfaceSecondaryPrivateIp, throughProxy.PrivateIpAddress);
        // Moto itself reports the primary: the proxy is what makes the requested address visible.
        Assert.Equal(topology.NetworkInterfacePrimaryPrivateIp, (await DescribeInMotoAsync(allocationId))!.PrivateIpAddress);
    }

    [Fact]
    public async Task Release_of_a_vpc_address_by_public_ip_requires_an_allocation_id()
    {
        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct);

        var refused = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { PublicIp = allocated.PublicIp }, Ct));

        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Equal("You must specify an allocation id when releasing a VPC elastic IP address", refused.Message);
        Assert.NotNull(await DescribeInMotoAsync(allocated.AllocationId));
    }

    [Fact]
    public async Task Release_of_a_standard_address_by_public_ip_is_forwarded()
    {
        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Standard }, Ct);

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { PublicIp = allocated.PublicIp }, Ct);

        Assert.Equal(Ec2Outcome.Forwarded, Assert.Single(Proxy.Journal.For("ReleaseAddress")).Outcome);
    }

    [Fact]
    public async Task Omitted_AllowReassociation_passes_through_so_moto_refuses_to_move_the_address()
    {
        var first = await Ec2Topology.LaunchInDefaultVpcAsync(Ec2, Ct);
        var second = await Ec2Topology.LaunchInDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = first.InstanceId }, Ct);

        var refused = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = second.InstanceId }, Ct));

        Assert.Equal("Resource.AlreadyAssociated", refused.ErrorCode);
        Assert.All(Proxy.Journal.For("AssociateAddress"), e => Assert.Null(e.Get("AllowReassociation")));
    }

    [Fact]
    public async Task Implicit_reassociation_rule_moves_the_address_as_AWS_does_and_the_journal_keeps_what_the_client_sent()
    {
        Proxy.Rules = Ec2ProxyRules.AllOn with { ImplicitReassociationWhenFlagOmitted = true };
        var first = await Ec2Topology.LaunchInDefaultVpcAsync(Ec2, Ct);
        var second = await Ec2Topology.LaunchInDefaultVpcAsync(Ec2, Ct);
        var allocationId = await AllocateAsync();
        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = first.InstanceId }, Ct);

        await Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = allocationId, InstanceId = second.InstanceId }, Ct);

        Assert.Equal(second.InstanceId, (await DescribeInMotoAsync(allocationId))!.InstanceId);
        Assert.All(Proxy.Journal.For("AssociateAddress"), e => Assert.Null(e.Get("AllowReassociation")));
    }

    [Fact]
    public async Task Unassociated_address_has_empty_not_null_InstanceId_and_NetworkInterfaceId()
    {
        // Moto writes <instanceId/> and <networkInterfaceId/> for an unassociated address; real AWS
        // omits them. AWSSDK.EC2 reads the empty element as "", so the provider must treat
        // string.IsNullOrEmpty as "not associated", never "!= null".
        var allocationId = await AllocateAsync();

        var address = (await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocationId] }, Ct)).Addresses.Single();

        Assert.Equal("", address.InstanceId);
        Assert.Equal("", address.NetworkInterfaceId);
        Assert.Null(address.AssociationId);
    }
}
