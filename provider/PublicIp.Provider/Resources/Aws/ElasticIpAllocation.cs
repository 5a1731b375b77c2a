using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Resources.Aws;

/// <summary>
/// AllocateAddress that never allocates twice and never loses an address: the allocation carries the ownership marks
/// (TagSpecifications, atomic with it); a retry first looks for this Create's token, since EC2 has no idempotency
/// token of its own; and before allocating, an address an interrupted Create of the same URN left behind is
/// reported, adopted or released as <c>interruptedCreates</c> says.
/// </summary>
internal static class ElasticIpAllocation
{
    private const string Type = "publicip:aws:ElasticIp";

    public static async Task<AllocateAddressResponse> AllocateAsync(
        CloudClients clients, Retry retry, ResourceCall call, ElasticIpArgs args, AllocateAddressRequest request, string subject, TimeProvider time)
    {
        var config = clients.Config;
        var api = clients.Ec2Api;
        if (!config.OwnershipMarks || !args.IsVpc)
        {
            return await Ec2Async(retry, "AllocateAddress", subject, c => api.Client.AllocateAddressAsync(request, c));
        }
        var hash = OwnershipMarks.HashUrn(call.Urn);
        var left = (await Ec2Async(retry, "DescribeAddresses", subject, c => FindByMarkAsync(api.Client, OwnershipMarks.UrnHashKey, hash, c)))
            .Where(a => !clients.Ledger.IsTracked(call.Urn, a.AllocationId) && !clients.Ledger.IsTracked(call.Urn, a.PublicIp))
            .OrderByDescending(a => OwnershipMarks.Read(Tags(a))?.AllocatedAt)
            .ToList();
        if (left.Count > 0)
        {
            switch (config.InterruptedCreates)
            {
                case ProviderConfig.InterruptedCreatesAdopt when left.FirstOrDefault(a => Fits(a, args)) is { } adopt:
                    await call.Log.WarningAsync($"adopted {Describe(adopt)}, which an interrupted Create of this resource allocated (interruptedCreates is \"adopt\"); no new address was allocated" +
                        (left.Count > 1 ? $". Also left by interrupted Creates: {string.Join(", ", left.Where(a => a != adopt).Select(Describe))}; release them with `pulumi-resource-publicip sweep --release <id>`" : ""));
                    return Answer(adopt);
                case ProviderConfig.InterruptedCreatesRelease:
                    foreach (var a in left)
                    {
                        await call.Log.WarningAsync($"releasing {Describe(a)}, which an interrupted Create of this resource allocated (interruptedCreates is \"release\")");
                        await ReleaseWorkflow.RunAsync(new ElasticIpRelease(api, call, a.AllocationId, LeftState(a), time, config.Aws), call, rehearse: false);
                    }
                    break;
                default:
                    throw new ResourceException(FailureKind.FailedPrecondition, OwnershipMarks.InterruptedCreateMessage(call.Urn, [.. left.Select(Describe)], left[0].AllocationId,
                        $"--aws-region {config.Aws.Region}",
                        config.InterruptedCreates == ProviderConfig.InterruptedCreatesAdopt ? "interruptedCreates is \"adopt\", but none of them matches this resource's allocation inputs and association now. " : null));
            }
        }

        var token = OwnershipMarks.NewCreateToken();
        var marks = OwnershipMarks.For(call.Urn, token, time.GetUtcNow());
        var userTags = request.TagSpecifications?.SelectMany(s => s.Tags ?? []).ToDictionary(t => t.Key, t => t.Value ?? "", StringComparer.Ordinal) ?? [];
        request.TagSpecifications =
        [
            new TagSpecification
            {
                ResourceType = Amazon.EC2.ResourceType.ElasticIp,
                Tags = OwnershipMarks.Merge(userTags, marks).Select(kv => new Tag { Key = kv.Key, Value = kv.Value }).ToList(),
            },
        ];
        // The retry primitive retries server errors, transport failures and throttling. After anything but
        // RequestLimitExceeded (EC2's word that it refused the request unprocessed) the allocation may have happened
        // with only its answer lost (a 503 Unavailable, a reset connection); EC2 has no idempotency token, so such a
        // retry first looks for this Create's token.
        var mayHaveAllocated = false;
        return await Ec2Async(retry, "AllocateAddress", subject, async c =>
        {
            if (mayHaveAllocated && (await retry.RunAsync("DescribeAddresses", subject, d => FindByMarkAsync(api.Client, OwnershipMarks.CreateTokenKey, token, d))).FirstOrDefault() is { } done)
            {
                await call.Log.InfoAsync($"ec2:AllocateAddress had already allocated {done.PublicIp} ({done.AllocationId}) before its answer was lost; using it instead of allocating again");
                return Answer(done);
            }
            try
            {
                return await api.Client.AllocateAddressAsync(request, c);
            }
            catch (Exception e) when (e is not AmazonEC2Exception { ErrorCode: Ec2ErrorCodes.RequestLimitExceeded })
            {
                mayHaveAllocated = true;
                throw;
            }
        });
    }

    private static AllocateAddressResponse Answer(Address a) => new()
    {
        AllocationId = a.AllocationId, PublicIp = a.PublicIp, Domain = a.Domain,
        NetworkBorderGroup = a.NetworkBorderGroup, PublicIpv4Pool = a.PublicIpv4Pool,
    };

    private static async Task<List<Address>> FindByMarkAsync(IAmazonEC2 ec2, string key, string value, CancellationToken ct)
    {
        var answer = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest { Filters = [new Filter($"tag:{key}", [value])] }, ct);
        return answer.Addresses ?? [];
    }

    private static IEnumerable<KeyValuePair<string, string>> Tags(Address a) => (a.Tags ?? []).Select(t => KeyValuePair.Create(t.Key, t.Value ?? ""));

    /// <summary>Only an address the program's allocation inputs would have produced may stand in for a new one.</summary>
    private static bool Fits(Address a, ElasticIpArgs args) =>
        (string.IsNullOrEmpty(a.AssociationId)
         || (args.InstanceId is not null && args.InstanceId == a.InstanceId)
         || (args.NetworkInterfaceId is not null && args.NetworkInterfaceId == a.NetworkInterfaceId))
        && (args.NetworkBorderGroup is null || args.NetworkBorderGroup == a.NetworkBorderGroup)
        && (args.PublicIpv4Pool is null || args.PublicIpv4Pool == a.PublicIpv4Pool)
        && (args.Address is null || args.Address == a.PublicIp);

    private static string Describe(Address a) =>
        $"{a.PublicIp} ({a.AllocationId}{(OwnershipMarks.Read(Tags(a))?.AllocatedAt is { } at ? $", allocated {at:u}" : "")})";

    private static ElasticIpState LeftState(Address a) => new()
    {
        AllocationId = a.AllocationId, PublicIp = a.PublicIp, Domain = AddressIdentity.Vpc, AssociationId = a.AssociationId,
        NetworkBorderGroup = a.NetworkBorderGroup, PublicIpv4Pool = a.PublicIpv4Pool,
        Tags = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, Tags(a).Where(t => !OwnershipMarks.IsMark(t.Key)).DistinctBy(t => t.Key)),
    };

    private static async Task<T> Ec2Async<T>(Retry retry, string action, string subject, Func<CancellationToken, Task<T>> send)
    {
        try
        {
            return await retry.RunAsync(action, subject, send);
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling(action, subject));
        }
    }
}
