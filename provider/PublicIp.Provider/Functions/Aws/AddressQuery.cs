using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Functions.Aws;

/// <summary>One DescribeAddresses filter, as EC2 names them (`tag:role`, `domain`, `instance-id`, …).</summary>
public sealed record AddressFilter
{
    public string? Name { get; init; }
    public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>What a program asks the EC2 lookups for; each function declares the arguments it takes.</summary>
public sealed record AddressQuery
{
    public string? AllocationId { get; init; }
    public string? PublicIp { get; init; }
    public IReadOnlyList<AddressFilter> Filters { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

/// <summary>The arguments getElasticIp and getElasticIps share, declared once, and the one read both send.</summary>
public static class AddressSearch
{
    public const string FilterToken = "publicip:aws:AddressFilter";

    private static readonly Declare<AddressFilter, AddressFilter> F = new();

    public static readonly Declaration<AddressFilter, AddressFilter> Filter = new(
        FilterToken,
        "An EC2 DescribeAddresses filter: an address matches when its attribute has one of the values.",
        F.String("name", "The filter's name as EC2 documents it for DescribeAddresses, e.g. `tag:role`, `tag-key`, `domain`, `instance-id`, " +
                "`network-interface-id`, `network-border-group`, `private-ip-address`, `public-ip`, `allocation-id`, `association-id`.")
            .Input(f => f.Name, (f, v) => f with { Name = v }).Required(),
        F.StringList("values", "The values to match (any of them); `*` and `?` are wildcards where EC2 allows them.")
            .Input(f => f.Values, (f, v) => f with { Values = v }).Required());

    /// <summary>The schema's object type for a filter, written from <see cref="Filter"/>.</summary>
    public static (string Token, string Json) FilterType => (FilterToken, SchemaWriter.ObjectType(Filter, input: true));

    public static DeclaredProperty<AddressQuery, TResult, IReadOnlyList<AddressFilter>> Filters<TResult>() =>
        new DeclaredProperty<AddressQuery, TResult, IReadOnlyList<AddressFilter>>(
                new("filters", PropertyType.ObjectList, "DescribeAddresses filters, e.g. `[{name: \"tag:role\", values: [\"egress\"]}]`; an address must match every filter.")
                {
                    RawType = Codecs.ObjectListType(FilterToken),
                },
                new ObjectListCodec<AddressFilter>(Filter, asInput: true))
            .Input(q => q.Filters, (q, v) => q with { Filters = v });

    public static DeclaredProperty<AddressQuery, TResult, ImmutableSortedDictionary<string, string>> Tags<TResult>() =>
        new Declare<AddressQuery, TResult>().StringMap("tags", "Tags the address must carry, key and value (each one a `tag:<key>` filter).")
            .Input(q => q.Tags, (q, v) => q with { Tags = v });

    /// <summary>The lookup in the user's words, for messages (bounded: filters can be long).</summary>
    public static string Describe(AddressQuery q)
    {
        var parts = new List<string>();
        if (q.AllocationId is { } id)
        {
            parts.Add($"allocationId {id}");
        }
        if (q.PublicIp is { } ip)
        {
            parts.Add($"publicIp {ip}");
        }
        parts.AddRange(q.Filters.Select(f => $"{f.Name}={string.Join("|", f.Values ?? [])}"));
        parts.AddRange(q.Tags.Select(t => $"tag {t.Key}={t.Value}"));
        return Text.Truncate(parts.Count == 0 ? "every Elastic IP of the account and region" : string.Join(", ", parts), 300);
    }

    /// <summary>
    /// One DescribeAddresses through the retry primitive and the account's rate budget. An id or address EC2 does not
    /// know is no match, not an error; only exact matches count (a stale answer may hold another address).
    /// </summary>
    public static async Task<IReadOnlyList<Address>> FindAsync(CloudClients clients, ResourceCall call, AddressQuery q)
    {
        var request = new DescribeAddressesRequest
        {
            Filters = [.. q.Filters.Select(f => new Filter(f.Name, [.. f.Values ?? []])), .. q.Tags.Select(t => new Filter($"tag:{t.Key}", [t.Value]))],
        };
        if (q.AllocationId is { } id)
        {
            request.AllocationIds = [id];
        }
        if (q.PublicIp is { } ip)
        {
            request.PublicIps = [ip];
        }
        var subject = $"{call.Type} ({Describe(q)})";
        try
        {
            var found = await clients.Ec2Retry(call).RunAsync("DescribeAddresses", subject, async c =>
            {
                try
                {
                    return (await clients.Ec2.DescribeAddressesAsync(request, c)).Addresses ?? [];
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode is Ec2ErrorCodes.InvalidAllocationIDNotFound or Ec2ErrorCodes.InvalidAddressNotFound || AddressFinder.IsNotYours(e))
                {
                    return [];
                }
            });
            return [.. found.Where(a => (q.AllocationId is null || a.AllocationId == q.AllocationId) && (q.PublicIp is null || a.PublicIp == q.PublicIp))];
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("DescribeAddresses", subject));
        }
    }
}
