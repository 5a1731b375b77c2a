using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation;

/// <summary>One Elastic IP of a fleet, as a stack's state would hold it.</summary>
public sealed record FleetAddress(string AllocationId, string PublicIp, string? AssociationId, string? NetworkInterfaceId);

/// <summary>
/// Many Elastic IPs at once, made directly in moto (no proxy, no throttle), for mass-destroy tests and the benchmark:
/// a share of them associated with network interfaces in a non-default VPC, where EC2 refuses to release an associated
/// address, so every one of those needs its DisassociateAddress.
/// </summary>
public static class Ec2Fleet
{
    private static int _fleets;

    public static async Task<IReadOnlyList<FleetAddress>> AllocateAsync(IAmazonEC2 moto, int count, int associated, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(associated, count);
        string? subnetId = null;
        if (associated > 0)
        {
            // A fresh range per fleet: the benchmark builds several in one moto.
            var octet = 100 + Interlocked.Increment(ref _fleets) % 150;
            var vpc = (await moto.CreateVpcAsync(new CreateVpcRequest { CidrBlock = $"10.{octet}.0.0/16" }, ct)).Vpc;
            subnetId = (await moto.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = $"10.{octet}.0.0/20" }, ct)).Subnet.SubnetId;
        }
        using var gate = new SemaphoreSlim(16);
        var made = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var allocated = await moto.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, ct);
                if (i >= associated)
                {
                    return new FleetAddress(allocated.AllocationId, allocated.PublicIp, null, null);
                }
                var eni = (await moto.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { SubnetId = subnetId }, ct)).NetworkInterface;
                var association = await moto.AssociateAddressAsync(new AssociateAddressRequest
                {
                    AllocationId = allocated.AllocationId, NetworkInterfaceId = eni.NetworkInterfaceId,
                }, ct);
                return new FleetAddress(allocated.AllocationId, allocated.PublicIp, association.AssociationId, eni.NetworkInterfaceId);
            }
            finally
            {
                gate.Release();
            }
        }));
        return made;
    }

    /// <summary>Which of <paramref name="allocationIds"/> moto still holds.</summary>
    public static async Task<IReadOnlySet<string>> StillAllocatedAsync(IAmazonEC2 moto, IEnumerable<string> allocationIds, CancellationToken ct = default)
    {
        var all = await moto.DescribeAddressesAsync(new DescribeAddressesRequest(), ct);
        var live = (all.Addresses ?? []).Select(a => a.AllocationId).ToHashSet(StringComparer.Ordinal);
        return allocationIds.Where(live.Contains).ToHashSet(StringComparer.Ordinal);
    }
}
