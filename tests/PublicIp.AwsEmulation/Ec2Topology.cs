using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation;

/// <summary>An instance and a spare ENI (with one secondary private IP) in a VPC that is not the default one.</summary>
public sealed record NonDefaultVpcTopology(
    string VpcId,
    string SubnetId,
    string InstanceId,
    string InstanceNetworkInterfaceId,
    string InstancePrivateIp,
    string NetworkInterfaceId,
    string NetworkInterfacePrimaryPrivateIp,
    string NetworkInterfaceSecondaryPrivateIp);

/// <summary>An instance launched into one of the default VPC's subnets.</summary>
public sealed record DefaultVpcInstance(string VpcId, string SubnetId, string InstanceId, string NetworkInterfaceId, string PrivateIp);

/// <summary>
/// Builds the VPC shapes Elastic IP behaviour depends on (release while associated differs between
/// default and non-default VPCs). Works against moto directly or through the proxy.
/// </summary>
public static class Ec2Topology
{
    /// <summary>One of moto's bundled AMIs; looked up first, since moto's image list changes between releases.</summary>
    public const string PreferredImageId = "ami-12c6146b";

    public static async Task<NonDefaultVpcTopology> CreateNonDefaultVpcAsync(IAmazonEC2 ec2, CancellationToken cancellationToken = default)
    {
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.9.0.0/16" }, cancellationToken)).Vpc;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.9.1.0/24" }, cancellationToken)).Subnet;
        var instance = await LaunchAsync(ec2, subnet.SubnetId, cancellationToken);
        var created = (await ec2.CreateNetworkInterfaceAsync(
            new CreateNetworkInterfaceRequest { SubnetId = subnet.SubnetId, SecondaryPrivateIpAddressCount = 1 }, cancellationToken)).NetworkInterface;
        // Re-read: the secondary address is what AssociateAddress's PrivateIpAddress must name.
        var eni = (await ec2.DescribeNetworkInterfacesAsync(
            new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [created.NetworkInterfaceId] }, cancellationToken)).NetworkInterfaces.Single();
        var secondary = (eni.PrivateIpAddresses ?? []).FirstOrDefault(p => p.Primary != true)?.PrivateIpAddress
            ?? throw new InvalidOperationException($"{eni.NetworkInterfaceId} was created without a secondary private IP");
        return new NonDefaultVpcTopology(
            vpc.VpcId, subnet.SubnetId, instance.InstanceId, PrimaryInterfaceOf(instance), instance.PrivateIpAddress,
            eni.NetworkInterfaceId, eni.PrivateIpAddress, secondary);
    }

    public static async Task<DefaultVpcInstance> LaunchInDefaultVpcAsync(IAmazonEC2 ec2, CancellationToken cancellationToken = default)
    {
        var vpcs = await ec2.DescribeVpcsAsync(new DescribeVpcsRequest(), cancellationToken);
        var defaultVpc = (vpcs.Vpcs ?? []).FirstOrDefault(v => v.IsDefault == true)
            ?? throw new InvalidOperationException("The region has no default VPC");
        var subnets = await ec2.DescribeSubnetsAsync(
            new DescribeSubnetsRequest { Filters = [new Filter("vpc-id", [defaultVpc.VpcId])] }, cancellationToken);
        var subnet = (subnets.Subnets ?? []).OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"Default VPC {defaultVpc.VpcId} has no subnet");
        var instance = await LaunchAsync(ec2, subnet.SubnetId, cancellationToken);
        return new DefaultVpcInstance(defaultVpc.VpcId, subnet.SubnetId, instance.InstanceId, PrimaryInterfaceOf(instance), instance.PrivateIpAddress);
    }

    public static async Task<string> FindImageIdAsync(IAmazonEC2 ec2, CancellationToken cancellationToken = default)
    {
        try
        {
            var preferred = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [PreferredImageId] }, cancellationToken);
            if (preferred.Images is { Count: > 0 })
            {
                return PreferredImageId;
            }
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode.StartsWith("InvalidAMIID", StringComparison.Ordinal))
        {
            // Not bundled in this moto release; fall through to any image it has.
        }
        var any = await ec2.DescribeImagesAsync(new DescribeImagesRequest(), cancellationToken);
        return (any.Images ?? []).FirstOrDefault()?.ImageId ?? throw new InvalidOperationException("The endpoint lists no images");
    }

    private static async Task<Instance> LaunchAsync(IAmazonEC2 ec2, string subnetId, CancellationToken cancellationToken)
    {
        var imageId = await FindImageIdAsync(ec2, cancellationToken);
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = imageId,
            InstanceType = InstanceType.T2Micro,
            MinCount = 1,
            MaxCount = 1,
            SubnetId = subnetId,
        }, cancellationToken);
        return run.Reservation.Instances.Single();
    }

    private static string PrimaryInterfaceOf(Instance instance) =>
        (instance.NetworkInterfaces ?? []).OrderBy(n => n.Attachment?.DeviceIndex ?? 0).FirstOrDefault()?.NetworkInterfaceId
        ?? throw new InvalidOperationException($"{instance.InstanceId} has no network interface");
}
