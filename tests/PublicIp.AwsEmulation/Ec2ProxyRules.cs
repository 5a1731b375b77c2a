namespace PublicIp.AwsEmulation;

/// <summary>
/// The real-AWS rules the proxy enforces on top of moto 5.2.1. Each closes a measured gap; turn one
/// off to test against moto's looser behaviour.
/// </summary>
public sealed record Ec2ProxyRules
{
    /// <summary>ReleaseAddress of an address associated in a non-default VPC → InvalidIPAddress.InUse.</summary>
    public bool InUseInNonDefaultVpc { get; init; } = true;

    /// <summary>
    /// ReleaseAddress with a NetworkBorderGroup other than the one allocated with → InvalidAddress.NotFound;
    /// networkBorderGroup/publicIpv4Pool added to Allocate/Describe answers.
    /// </summary>
    public bool NetworkBorderGroup { get; init; } = true;

    /// <summary>AssociateAddress with a PrivateIpAddress not on the target ENI → InvalidParameterValue; Describe reports the requested one.</summary>
    public bool PrivateIpMustBeOnInterface { get; init; } = true;

    /// <summary>AllocateAddress of a specific Address the account already holds → an error (moto allocates the same IP twice).</summary>
    public bool PinnedAddressMustBeFree { get; init; } = true;

    /// <summary>ReleaseAddress of a vpc-domain address by PublicIp alone → InvalidParameterValue.</summary>
    public bool VpcReleaseRequiresAllocationId { get; init; } = true;

    /// <summary>
    /// AWS reassociates when AllowReassociation is omitted; moto refuses with Resource.AlreadyAssociated.
    /// Off by default on purpose: an omitted flag then fails loudly, which is what we want because our
    /// provider must always send it. Turn on to emulate AWS's implicit reassociation (the proxy then
    /// adds AllowReassociation=true before forwarding; the journal still shows what the client sent).
    /// </summary>
    public bool ImplicitReassociationWhenFlagOmitted { get; init; }

    public static Ec2ProxyRules AllOn { get; } = new();

    public static Ec2ProxyRules MotoAsIs { get; } = new()
    {
        InUseInNonDefaultVpc = false,
        NetworkBorderGroup = false,
        PrivateIpMustBeOnInterface = false,
        VpcReleaseRequiresAllocationId = false,
    };
}
