using System.Collections.Concurrent;
using System.Text;
using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation;

/// <summary>
/// The EC2 rules moto 5.2.1 skips, checked by asking moto for the current state. A rule that cannot
/// decide (the resource does not exist in moto) lets the call through, so moto's own NotFound answers.
/// </summary>
internal sealed class AwsRules(Ec2FaultProxy proxy)
{
    private const string DefaultPublicIpv4Pool = "amazon";

    private readonly ConcurrentDictionary<string, AllocationPlacement> _placements = new(StringComparer.Ordinal);

    // Keyed by AssociationId: a new association or a disassociation makes the entry unreachable by itself.
    private readonly ConcurrentDictionary<string, string> _requestedPrivateIps = new(StringComparer.Ordinal);

    private sealed record AllocationPlacement(string NetworkBorderGroup, string PublicIpv4Pool);

    public async Task<Ec2Error?> CheckAsync(Ec2Request request, Ec2ProxyRules rules, CancellationToken cancellationToken) =>
        request.Action switch
        {
            "ReleaseAddress" => await CheckReleaseAsync(request, rules, cancellationToken),
            // Recovery (AllocateAddress with Address) of an address another account has taken since: EC2's "not available".
            "AllocateAddress" when request.Get("Address") is { } wanted && proxy.IsTakenByAnotherAccount(wanted) => Ec2Error.InvalidAddressNotFound(wanted),
            "AssociateAddress" when rules.PrivateIpMustBeOnInterface => await CheckPrivateIpAsync(request, cancellationToken),
            "AllocateAddress" when rules.PinnedAddressMustBeFree && request.Get("Address") is { } address && !request.DryRun =>
                await DescribeOrNullAsync(proxy.MotoClient(request.Region), new DescribeAddressesRequest { PublicIps = [address] }, cancellationToken) is null
                    ? null
                    : Ec2Error.AddressUnavailable(),
            _ => null,
        };

    public byte[] AfterSuccess(Ec2Request request, Ec2ProxyRules rules, byte[] body)
    {
        switch (request.Action)
        {
            case "AllocateAddress" when !request.DryRun:
                var allocated = Parse(body);
                if (allocated?.Root?.Element(allocated.Root.Name.Namespace + "allocationId")?.Value is { Length: > 0 } allocationId)
                {
                    _placements[allocationId] = new AllocationPlacement(
                        request.Get("NetworkBorderGroup") ?? request.Region,
                        request.Get("PublicIpv4Pool") ?? DefaultPublicIpv4Pool);
                }
                return Rewrite(allocated, request, [allocated?.Root], rules.NetworkBorderGroup, reportPrivateIp: false) ?? body;
            case "AssociateAddress" when request.Get("PrivateIpAddress") is { } privateIp:
                var associated = Parse(body);
                if (associated?.Root?.Element(associated.Root.Name.Namespace + "associationId")?.Value is { Length: > 0 } associationId)
                {
                    _requestedPrivateIps[associationId] = privateIp;
                }
                return body;
            case "ReleaseAddress" when request.Get("AllocationId") is { } released:
                proxy.Ptr.Released(released);
                return body;
            case "DescribeAddresses":
                var described = Parse(body);
                var items = described?.Descendants().Where(e => e.Name.LocalName == "item" && e.Parent?.Name.LocalName == "addressesSet");
                return Rewrite(described, request, items, rules.NetworkBorderGroup, rules.PrivateIpMustBeOnInterface) ?? body;
            default:
                return body;
        }
    }

    private async Task<Ec2Error?> CheckReleaseAsync(Ec2Request request, Ec2ProxyRules rules, CancellationToken cancellationToken)
    {
        var allocationId = request.Get("AllocationId");
        var publicIp = request.Get("PublicIp");
        var ec2 = proxy.MotoClient(request);

        if (allocationId is not null && proxy.Ptr.BlocksRelease(allocationId))
        {
            return Ec2Error.PtrSet(allocationId);
        }

        if (allocationId is null)
        {
            if (!rules.VpcReleaseRequiresAllocationId || publicIp is null)
            {
                return null;
            }
            var byIp = await DescribeOrNullAsync(ec2, new DescribeAddressesRequest { PublicIps = [publicIp] }, cancellationToken);
            return byIp?.Domain == DomainType.Vpc
                ? Ec2Error.InvalidParameterValue("You must specify an allocation id when releasing a VPC elastic IP address")
                : null;
        }

        if (rules.NetworkBorderGroup && request.Get("NetworkBorderGroup") is { } askedGroup)
        {
            var allocatedGroup = _placements.TryGetValue(allocationId, out var placement) ? placement.NetworkBorderGroup : request.Region;
            if (!string.Equals(askedGroup, allocatedGroup, StringComparison.Ordinal))
            {
                return Ec2Error.InvalidAddressNotFound(allocationId);
            }
        }

        if (!rules.InUseInNonDefaultVpc)
        {
            return null;
        }
        var address = await DescribeOrNullAsync(ec2, new DescribeAddressesRequest { AllocationIds = [allocationId] }, cancellationToken);
        if (address is null || !IsAssociated(address))
        {
            return null;
        }
        var vpcId = await VpcOfAsync(ec2, address, cancellationToken);
        if (vpcId is null)
        {
            return null;
        }
        var vpcs = await ec2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [vpcId] }, cancellationToken);
        var isDefault = vpcs.Vpcs?.FirstOrDefault()?.IsDefault ?? false;
        // In the default VPC AWS disassociates on release by itself, as moto does.
        return isDefault ? null : Ec2Error.InUse(address.PublicIp);
    }

    private async Task<Ec2Error?> CheckPrivateIpAsync(Ec2Request request, CancellationToken cancellationToken)
    {
        if (request.Get("PrivateIpAddress") is not { } privateIp)
        {
            return null;
        }
        var ec2 = proxy.MotoClient(request);
        (string Id, IEnumerable<string> PrivateIps)? target = null;
        try
        {
            if (request.Get("NetworkInterfaceId") is { } networkInterfaceId)
            {
                var enis = await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [networkInterfaceId] }, cancellationToken);
                if (enis.NetworkInterfaces?.FirstOrDefault() is { } eni)
                {
                    target = (eni.NetworkInterfaceId, (eni.PrivateIpAddresses ?? []).Select(p => p.PrivateIpAddress).Append(eni.PrivateIpAddress));
                }
            }
            else if (request.Get("InstanceId") is { } instanceId)
            {
                var reservations = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
                var instance = reservations.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault();
                // With InstanceId, AWS maps the private IP on the instance's primary interface.
                var primary = instance?.NetworkInterfaces?.OrderBy(n => n.Attachment?.DeviceIndex ?? 0).FirstOrDefault();
                if (primary is not null)
                {
                    target = (primary.NetworkInterfaceId, (primary.PrivateIpAddresses ?? []).Select(p => p.PrivateIpAddress).Append(primary.PrivateIpAddress));
                }
            }
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidNetworkInterfaceID.NotFound" or "InvalidInstanceID.NotFound")
        {
            return null;
        }
        return target is { } found && !found.PrivateIps.Contains(privateIp, StringComparer.Ordinal)
            ? Ec2Error.InvalidParameterValue($"{privateIp} is not mapped to the interface {found.Id}")
            : null;
    }

    private static bool IsAssociated(Address address) =>
        // Moto describes an unassociated address with empty elements, which the SDK reads as "".
        !string.IsNullOrEmpty(address.AssociationId) || !string.IsNullOrEmpty(address.InstanceId) || !string.IsNullOrEmpty(address.NetworkInterfaceId);

    private static async Task<string?> VpcOfAsync(IAmazonEC2 ec2, Address address, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(address.NetworkInterfaceId))
        {
            var enis = await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [address.NetworkInterfaceId] }, cancellationToken);
            return enis.NetworkInterfaces?.FirstOrDefault()?.VpcId;
        }
        var reservations = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [address.InstanceId] }, cancellationToken);
        return reservations.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault()?.VpcId;
    }

    private static async Task<Address?> DescribeOrNullAsync(IAmazonEC2 ec2, DescribeAddressesRequest describe, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.DescribeAddressesAsync(describe, cancellationToken);
            return response.Addresses?.FirstOrDefault();
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidAllocationID.NotFound" or "InvalidAddress.NotFound")
        {
            return null;
        }
    }

    private static XDocument? Parse(byte[] body)
    {
        try
        {
            return XDocument.Parse(Encoding.UTF8.GetString(body));
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds the fields AWS returns and moto leaves out; returns null when there was nothing to parse.
    /// </summary>
    private byte[]? Rewrite(XDocument? document, Ec2Request request, IEnumerable<XElement?>? items, bool addPlacement, bool reportPrivateIp)
    {
        if (document?.Root is null || items is null || !(addPlacement || reportPrivateIp))
        {
            return null;
        }
        var ns = document.Root.Name.Namespace;
        foreach (var item in items.OfType<XElement>())
        {
            var allocationId = item.Element(ns + "allocationId")?.Value;
            if (addPlacement)
            {
                var placement = allocationId is not null && _placements.TryGetValue(allocationId, out var known)
                    ? known
                    : new AllocationPlacement(request.Region, DefaultPublicIpv4Pool);
                SetIfAbsent(item, ns + "networkBorderGroup", placement.NetworkBorderGroup);
                SetIfAbsent(item, ns + "publicIpv4Pool", placement.PublicIpv4Pool);
            }
            if (reportPrivateIp
                && item.Element(ns + "associationId")?.Value is { Length: > 0 } associationId
                && _requestedPrivateIps.TryGetValue(associationId, out var privateIp))
            {
                item.SetElementValue(ns + "privateIpAddress", privateIp);
            }
        }
        return Encoding.UTF8.GetBytes(document.Declaration + document.ToString(SaveOptions.DisableFormatting));
    }

    private static void SetIfAbsent(XElement item, XName name, string value)
    {
        if (item.Element(name) is null)
        {
            item.Add(new XElement(name, value));
        }
    }
}
