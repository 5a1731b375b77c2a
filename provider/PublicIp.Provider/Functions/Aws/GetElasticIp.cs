using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Resources.Aws;

namespace PublicIp.Provider.Functions.Aws;

/// <summary>publicip:aws:getElasticIp — one existing Elastic IP, with the outputs of <see cref="ElasticIp"/>.</summary>
public sealed class GetElasticIp(CloudClients clients) : Function<AddressQuery, ElasticIpState>
{
    /// <summary>How many matches a "more than one" error lists by id.</summary>
    private const int ShownMatches = 5;

    private static readonly Declare<AddressQuery, ElasticIpState> P = new();

    public static readonly Declaration<AddressQuery, ElasticIpState> Schema = new(
        "publicip:aws:getElasticIp",
        "Looks up one existing Elastic IP by allocationId, publicIp, filters or tags (all that are given must match) and returns the outputs " +
        "`publicip:aws:ElasticIp` has: association, pool, network border group, tags and PTR record. Exactly one address must match; none or " +
        "several is an error that says how many matched. Read-only (DescribeAddresses, DescribeAddressesAttribute), so it runs the same in a preview.",
        [
            P.String("allocationId", "The allocation id (`eipalloc-…`) of the address.")
                .Input(q => q.AllocationId, (q, v) => q with { AllocationId = v }),
            P.String("publicIp", "The public IPv4 address (also finds a `standard` EC2-Classic address).")
                .Input(q => q.PublicIp, (q, v) => q with { PublicIp = v }),
            AddressSearch.Filters<ElasticIpState>(),
            AddressSearch.Tags<ElasticIpState>(),
            .. ElasticIp.Schema.OutputsFor<AddressQuery>("allocationId", "publicIp", "associationId", "domain", "networkBorderGroup", "publicIpv4Pool",
                "customerOwnedIpv4Pool", "instanceId", "networkInterfaceId", "privateIpAddress", "tags", "ptrRecord"),
        ]);

    public override Declaration<AddressQuery, ElasticIpState> Declaration => Schema;

    protected override async Task<ElasticIpState> InvokeAsync(ResourceCall call, AddressQuery args)
    {
        var matches = await AddressSearch.FindAsync(clients, call, args);
        var criteria = AddressSearch.Describe(args);
        switch (matches.Count)
        {
            case 0:
                throw new ResourceException(FailureKind.NotFound,
                    $"{Token}: no Elastic IP in {clients.Config.Aws.Region} matches {criteria} (0 matched); check the arguments, the provider's " +
                    "region and account, or use publicip:aws:getElasticIps when none is an acceptable answer");
            case > 1:
                var shown = string.Join(", ", matches.Take(ShownMatches).Select(a => a.AllocationId is { Length: > 0 } id ? $"{a.PublicIp} ({id})" : a.PublicIp));
                throw new ResourceException(FailureKind.FailedPrecondition,
                    $"{Token}: {matches.Count} Elastic IPs in {clients.Config.Aws.Region} match {criteria}, but it needs exactly one: " +
                    $"{shown}{(matches.Count > ShownMatches ? ", …" : "")}; add filters or tags that tell them apart, name allocationId, or use " +
                    "publicip:aws:getElasticIps for all of them");
        }
        var found = matches[0];
        return ElasticIp.Reported(found, await ElasticIp.PtrOfAsync(clients, call, found, $"{found.PublicIp} ({Token})"));
    }
}
