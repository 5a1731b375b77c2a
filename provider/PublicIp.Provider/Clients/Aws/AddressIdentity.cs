using Amazon.EC2.Model;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// How EC2 names one Elastic IP, and so the one answer to "vpc or standard?": a vpc address has an AllocationId and
/// every call names it by that; a standard (EC2-Classic) address has none and is named by its public IP. Ids, states
/// and DescribeAddresses answers all ask this type, so the question is never decided two ways.
/// </summary>
public readonly record struct AddressIdentity
{
    public const string Vpc = "vpc";
    public const string Standard = "standard";

    private AddressIdentity(string allocationId, string publicIp)
    {
        AllocationId = allocationId;
        PublicIp = publicIp;
    }

    /// <summary>The allocation id (<c>eipalloc-…</c>); empty for a standard address.</summary>
    public string AllocationId { get; }

    /// <summary>The public IP; may be empty when only the allocation id is known yet.</summary>
    public string PublicIp { get; }

    public bool IsVpc => AllocationId.Length > 0;

    /// <summary>The id Pulumi knows the address by: its AllocationId, or its public IP for a standard address.</summary>
    public string Id => IsVpc ? AllocationId : PublicIp;

    /// <summary>The domain EC2 reports for such an address.</summary>
    public string Domain => IsVpc ? Vpc : Standard;

    /// <summary>From what a state or a program records (moto writes empty elements where AWS writes none).</summary>
    public static AddressIdentity Of(string? allocationId, string? publicIp) =>
        new(AddressFinder.Present(allocationId) ?? "", publicIp ?? "");

    /// <summary>From what DescribeAddresses or AllocateAddress reports.</summary>
    public static AddressIdentity Of(Address address) => Of(address.AllocationId, address.PublicIp);

    /// <summary>From a resource id alone (an import, an engine's id, a sweep's): an allocation id, else a public IP.</summary>
    public static AddressIdentity Parse(string id, string? publicIp = null) =>
        id.StartsWith("eipalloc-", StringComparison.Ordinal) ? new(id, publicIp ?? "") : new("", id);

    /// <summary>Whether a program's <c>domain</c> asks for a vpc address (anything but "standard", which Check restricts).</summary>
    public static bool IsVpcDomain(string domain) => domain != Standard;

    /// <summary>Whether this is the address EC2 reported: only an exact match counts (a stale answer may hold another).</summary>
    public bool Names(Address address) => IsVpc ? address.AllocationId == AllocationId : address.PublicIp == PublicIp;

    /// <summary>
    /// Whether something holds the address: a vpc association has an AssociationId; a standard address has none and
    /// shows only the instance.
    /// </summary>
    public bool IsHeld(string? associationId, string? instanceId) =>
        AddressFinder.Present(associationId) is not null || (!IsVpc && AddressFinder.Present(instanceId) is not null);

    public DescribeAddressesRequest DescribeRequest() =>
        IsVpc ? new DescribeAddressesRequest { AllocationIds = [AllocationId] } : new DescribeAddressesRequest { PublicIps = [PublicIp] };

    /// <summary>An AssociateAddress that names the address the way EC2 accepts it for its domain.</summary>
    public AssociateAddressRequest AssociateRequest() =>
        IsVpc ? new AssociateAddressRequest { AllocationId = AllocationId } : new AssociateAddressRequest { PublicIp = PublicIp };
}
