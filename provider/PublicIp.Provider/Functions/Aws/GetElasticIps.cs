using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;

namespace PublicIp.Provider.Functions.Aws;

/// <summary>The ids and public IPs of every matching address, in the same order.</summary>
public sealed record ElasticIpsResult
{
    public IReadOnlyList<string>? AllocationIds { get; init; }
    public IReadOnlyList<string>? PublicIps { get; init; }
}

/// <summary>publicip:aws:getElasticIps — every Elastic IP that matches filters and tags (none is an answer, not an error).</summary>
public sealed class GetElasticIps(CloudClients clients) : Function<AddressQuery, ElasticIpsResult>
{
    private static readonly Declare<AddressQuery, ElasticIpsResult> P = new();

    public static readonly Declaration<AddressQuery, ElasticIpsResult> Schema = new(
        "publicip:aws:getElasticIps",
        "Lists the Elastic IPs that match filters and tags (every address of the region when neither is given), as allocation ids and public IPs " +
        "in the same order. Read-only (one DescribeAddresses), so it runs the same in a preview.",
        AddressSearch.Filters<ElasticIpsResult>(),
        AddressSearch.Tags<ElasticIpsResult>(),
        P.StringList("allocationIds", "The allocation ids (`eipalloc-…`) of the matching addresses; \"\" for a `standard` address, which has none.")
            .Output(r => r.AllocationIds, (r, v) => r with { AllocationIds = v }, required: true),
        P.StringList("publicIps", "The public IPv4 addresses of the matching addresses, in the order of allocationIds.")
            .Output(r => r.PublicIps, (r, v) => r with { PublicIps = v }, required: true));

    public override Declaration<AddressQuery, ElasticIpsResult> Declaration => Schema;

    protected override async Task<ElasticIpsResult> InvokeAsync(ResourceCall call, AddressQuery args)
    {
        var matches = (await AddressSearch.FindAsync(clients, call, args)).OrderBy(a => a.PublicIp, StringComparer.Ordinal).ToList();
        return new ElasticIpsResult { AllocationIds = [.. matches.Select(a => a.AllocationId ?? "")], PublicIps = [.. matches.Select(a => a.PublicIp)] };
    }
}
