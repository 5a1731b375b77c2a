using System.Collections.Immutable;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using EipAddress = PublicIp.Provider.Resources.Alicloud.EipAddress;
using EipAddressState = PublicIp.Provider.Resources.Alicloud.EipAddressState;

namespace PublicIp.Provider.Functions.Alicloud;

/// <summary>What a program asks getEipAddresses for; every filter given must match.</summary>
public sealed record EipAddressesQuery
{
    public string? RegionId { get; init; }
    public IReadOnlyList<string>? Ids { get; init; }
    public IReadOnlyList<string>? IpAddresses { get; init; }
    public string? Status { get; init; }
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

/// <summary>The matching EIPs, their ids and addresses in the same order.</summary>
public sealed record EipAddressesResult
{
    public string RegionId { get; init; } = "";
    public IReadOnlyList<string>? Ids { get; init; }
    public IReadOnlyList<string>? IpAddresses { get; init; }
    public IReadOnlyList<EipAddressState> Addresses { get; init; } = [];
}

/// <summary>publicip:alicloud:getEipAddresses — the VPC EIPs that match ids, addresses, status and tags, with the outputs of <see cref="EipAddress"/>.</summary>
public sealed class GetEipAddresses(CloudClients clients) : Function<EipAddressesQuery, EipAddressesResult>
{
    public const string AddressToken = "publicip:alicloud:getEipAddressesAddress";

    /// <summary>What one DescribeEipAddresses may filter by id or address (the API's own limit).</summary>
    private const int MaxListed = 50;

    private const int PageSize = 100;

    private static readonly string[] Statuses = [EipFinder.Associating, EipFinder.Unassociating, EipFinder.InUse, EipFinder.Available, EipFinder.Releasing];

    private readonly AlibabaDiagnostics _diagnostics = new();

    /// <summary>One found EIP: exactly the outputs the EipAddress resource declares.</summary>
    public static readonly Declaration<EipAddressState, EipAddressState> Address = new(
        AddressToken, "An EIP as publicip:alicloud:getEipAddresses returns it: the outputs of publicip:alicloud:EipAddress.",
        EipAddress.Schema.OutputsFor<EipAddressState>());

    public static (string Token, string Json) AddressType => (AddressToken, SchemaWriter.ObjectType(Address, input: false));

    private static readonly Declare<EipAddressesQuery, EipAddressesResult> P = new();

    public static readonly Declaration<EipAddressesQuery, EipAddressesResult> Schema = new(
        "publicip:alicloud:getEipAddresses",
        "Lists the Alibaba Cloud VPC EIPs of a region that match ids, ipAddresses, status and tags (all that are given; every EIP of the region " +
        "when none is), with the outputs publicip:alicloud:EipAddress has. None matching is an empty answer, not an error. Read-only " +
        "(DescribeEipAddresses, paged), so it runs the same in a preview.",
        P.String("regionId", "The region, e.g. cn-hangzhou. Defaults to the provider's alicloudRegion.")
            .Input(q => q.RegionId, (q, v) => q with { RegionId = v })
            .Output(r => r.RegionId, (r, v) => r with { RegionId = v ?? "" }, "The region that was searched.", required: true)
            .Check(region => RegionIds.IsAlibaba(region) ? null : RegionIds.AlibabaProblem("regionId", region!)),
        P.StringList("ids", $"AllocationIds (`eip-…`) to return, at most {MaxListed}.")
            .Input(q => q.Ids, (q, v) => q with { Ids = v })
            .Output(r => r.Ids, (r, v) => r with { Ids = v }, "The AllocationIds of the matching EIPs.", required: true)
            .Check(ids => ids!.Count > MaxListed ? $"'ids' may name at most {MaxListed} EIPs (DescribeEipAddresses' limit), not {ids.Count}" : null),
        P.StringList("ipAddresses", $"Public IP addresses to return, at most {MaxListed}.")
            .Input(q => q.IpAddresses, (q, v) => q with { IpAddresses = v })
            .Output(r => r.IpAddresses, (r, v) => r with { IpAddresses = v }, "The public IP addresses of the matching EIPs, in the order of ids.", required: true)
            .Check(ips => ips!.Count > MaxListed ? $"'ipAddresses' may name at most {MaxListed} addresses (DescribeEipAddresses' limit), not {ips.Count}" : null),
        P.String("status", "Only EIPs in this status: Associating, Unassociating, InUse, Available or Releasing.")
            .Input(q => q.Status, (q, v) => q with { Status = v })
            .Allowed(Statuses),
        P.StringMap("tags", "Tags the EIP must carry, key and value.")
            .Input(q => q.Tags, (q, v) => q with { Tags = v }),
        new DeclaredProperty<EipAddressesQuery, EipAddressesResult, IReadOnlyList<EipAddressState>>(
                new("addresses", PropertyType.ObjectList, "The matching EIPs, in the order of ids, each with the outputs of publicip:alicloud:EipAddress.")
                {
                    RawType = Codecs.ObjectListType(AddressToken),
                },
                new ObjectListCodec<EipAddressState>(Address, asInput: false))
            .Output(r => r.Addresses, (r, v) => r with { Addresses = v }, required: true));

    public override Declaration<EipAddressesQuery, EipAddressesResult> Declaration => Schema;

    protected override void Validate(EipAddressesQuery args, InputReader reader)
    {
        clients.CheckAlicloudRegion(reader, args.RegionId);
    }

    protected override async Task<EipAddressesResult> InvokeAsync(ResourceCall call, EipAddressesQuery args)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var found = new List<EipAddressState>();
        var doing = $"looking up EIPs in {alibaba.RegionId} ({Token})";
        for (var page = 1; ; page++)
        {
            var query = new EipQuery(alibaba.RegionId, args.Ids ?? [], args.IpAddresses ?? [], args.Status, args.Tags, page, PageSize);
            var answer = await _diagnostics.GuardAsync(doing, () => alibaba.Retry(call).RunAsync("DescribeEipAddresses", $"EIPs in {alibaba.RegionId}",
                c => alibaba.Vpc.QueryEipAddressesAsync(query, c)));
            found.AddRange(answer.EipAddresses.Select(e => EipAddress.StateOf(e, alibaba.RegionId)));
            if (answer.EipAddresses.Count == 0 || found.Count >= answer.TotalCount)
            {
                break;
            }
        }
        // Only exact matches count: an answer that ignored a filter must not hand a program someone else's address.
        var matches = found
            .Where(e => (args.Ids is not { Count: > 0 } ids || ids.Contains(e.AllocationId)) && (args.IpAddresses is not { Count: > 0 } ips || ips.Contains(e.IpAddress))
                && (args.Status is null || e.Status == args.Status) && args.Tags.All(t => e.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
            .DistinctBy(e => e.AllocationId)
            .ToList();
        return new EipAddressesResult
        {
            RegionId = alibaba.RegionId,
            Ids = [.. matches.Select(e => e.AllocationId)],
            IpAddresses = [.. matches.Select(e => e.IpAddress)],
            Addresses = matches,
        };
    }
}
