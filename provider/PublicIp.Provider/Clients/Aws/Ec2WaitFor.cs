using System.Collections.Frozen;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// The EC2 codes that waiting can fix, per call, each with why (the status line while it is waited out), retried by the
/// one retry primitive until the operation's deadline; throttling and server errors are its API-wide rules
/// (<see cref="Retries.Ec2Limits"/>). The README's retried-codes table is written from these.
/// </summary>
public static class Ec2WaitFor
{
    /// <summary>
    /// How long InvalidIPAddress.InUse counts as EC2 catching up with a disassociate; past it, something
    /// re-associated the address and waiting longer cannot help.
    /// </summary>
    public static readonly TimeSpan InUseWindow = TimeSpan.FromSeconds(60);

    /// <summary>For the retry primitive's waitAtMost: the codes of <see cref="Release"/> that are waited out only for a while.</summary>
    public static TimeSpan? ReleaseWaitAtMost(string code) => code == Ec2ErrorCodes.InvalidIPAddressInUse ? InUseWindow : null;

    /// <summary>ReleaseAddress (InUse only for a minute after the first one: EC2 catches up after a disassociate).</summary>
    public static readonly FrozenDictionary<string, string> Release = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Ec2ErrorCodes.InvalidIPAddressInUse] = "EC2 still sees the address associated (it catches up seconds after a disassociate)",
        [Ec2ErrorCodes.InvalidNetworkInterfaceIDNotFound] = "EC2 is still removing the network interface that held the address (e.g. of a deleted NAT gateway)",
        [Ec2ErrorCodes.InvalidAllocationIDNotFound] = "EC2 does not see the allocation yet although DescribeAddresses lists it",
        [Ec2ErrorCodes.AuthFailure] = "the address is still held by a managed service (a NAT gateway or load balancer letting go); DescribeAddresses tells this apart from an address now another account's",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>AssociateAddress of an allocation EC2 may not see yet (ElasticIp right after AllocateAddress, ElasticIpAssociation).</summary>
    public static readonly FrozenDictionary<string, string> Associate = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Ec2ErrorCodes.InvalidAllocationIDNotFound] = "EC2 does not see the allocation yet (eventual consistency)",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Per call, for the reference tables.</summary>
    public static readonly IReadOnlyList<(string Calls, IReadOnlyDictionary<string, string> Codes)> ByCall =
        [("ReleaseAddress", Release), ("AssociateAddress", Associate)];
}
