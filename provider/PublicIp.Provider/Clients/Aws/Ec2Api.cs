using Amazon.EC2;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// EC2 for one account and region: the SDK client, the request budget every operation of the process shares, and
/// the batchers that coalesce concurrent reads of addresses (DescribeAddresses) and of their PTR records
/// (DescribeAddressesAttribute) into one call each.
/// </summary>
public sealed class Ec2Api
{
    public Ec2Api(IAmazonEC2 client, RateBudget budget, Ec2Limits limits)
    {
        Client = client;
        Budget = budget;
        Limits = limits;
        Addresses = new AddressBatcher(client, budget, limits);
        PtrRecords = new PtrBatcher(client, budget, limits);
    }

    public IAmazonEC2 Client { get; }

    public RateBudget Budget { get; }

    public Ec2Limits Limits { get; }

    public AddressBatcher Addresses { get; }

    public PtrBatcher PtrRecords { get; }

    /// <summary>The retry primitive for one operation (its deadline, its log, this account's budget).</summary>
    public Retry Retry(ResourceCall call) => new(Budget, Limits, call);
}
