using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;

namespace PublicIp.Provider.Resources.Aws;

public sealed record ElasticIpArgs(
    string Domain,
    string? NetworkBorderGroup,
    string? PublicIpv4Pool,
    string? Address,
    string? CustomerOwnedIpv4Pool,
    string? InstanceId,
    string? NetworkInterfaceId,
    string? PrivateIpAddress,
    bool AllowReassociation,
    ImmutableSortedDictionary<string, string> Tags);

public sealed record ElasticIpState(
    string AllocationId,
    string PublicIp,
    string Domain,
    string? AssociationId,
    string? InstanceId,
    string? NetworkInterfaceId,
    string? PrivateIpAddress,
    string? NetworkBorderGroup,
    string? PublicIpv4Pool,
    string? CustomerOwnedIpv4Pool,
    string? Address,
    bool AllowReassociation,
    ImmutableSortedDictionary<string, string> Tags)
{
    /// <summary>The id Pulumi knows the address by: AllocationId, or PublicIp for EC2-Classic addresses.</summary>
    public string Id => AllocationId.Length > 0 ? AllocationId : PublicIp;
}

/// <summary>publicip:aws:ElasticIp — an Elastic IP address, optionally associated with an instance or ENI.</summary>
public sealed class ElasticIp(CloudClients clients) : Resource<ElasticIpArgs, ElasticIpState>
{
    public const string Vpc = "vpc";
    public const string Standard = "standard";

    public override string Token => "publicip:aws:ElasticIp";

    public override IReadOnlyList<string> OutputProperties { get; } =
    [
        "allocationId", "publicIp", "associationId", "domain", "instanceId", "networkInterfaceId",
        "privateIpAddress", "networkBorderGroup", "publicIpv4Pool", "customerOwnedIpv4Pool", "address", "allowReassociation", "tags",
    ];

    protected override IReadOnlySet<string> ReplaceOnChanges { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "domain", "networkBorderGroup", "publicIpv4Pool", "address", "customerOwnedIpv4Pool",
    };

    protected override ElasticIpArgs ReadArgs(InputReader r)
    {
        r.AtMostOneOf("instanceId", "networkInterfaceId");
        var args = new ElasticIpArgs(
            Domain: r.String("domain", allowed: [Vpc, Standard]) ?? Vpc,
            NetworkBorderGroup: r.String("networkBorderGroup"),
            PublicIpv4Pool: r.String("publicIpv4Pool"),
            Address: r.String("address"),
            CustomerOwnedIpv4Pool: r.String("customerOwnedIpv4Pool"),
            InstanceId: r.String("instanceId"),
            NetworkInterfaceId: r.String("networkInterfaceId"),
            PrivateIpAddress: r.String("privateIpAddress"),
            AllowReassociation: r.Bool("allowReassociation") ?? true,
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty);
        if (args.PrivateIpAddress is not null && args.InstanceId is null && args.NetworkInterfaceId is null
            && !r.IsUnknown("instanceId") && !r.IsUnknown("networkInterfaceId"))
        {
            r.Fail("privateIpAddress", "'privateIpAddress' needs 'instanceId' or 'networkInterfaceId' to say where the address goes");
        }
        return args;
    }

    protected override PropertyMap WithDefaults(PropertyMap news, ElasticIpArgs args) =>
        news.ContainsKey("domain") ? news : news.Set("domain", PropertyValue.Of(args.Domain));

    protected override ElasticIpArgs ArgsFromInputs(PropertyMap inputs) => ReadArgs(new InputReader(inputs));

    protected override PropertyMap WriteArgs(ElasticIpArgs a) => PropertyMap.Empty
        .Set("domain", PropertyValue.Of(a.Domain))
        .SetIfNotNull("networkBorderGroup", PropertyValue.Of(a.NetworkBorderGroup))
        .SetIfNotNull("publicIpv4Pool", PropertyValue.Of(a.PublicIpv4Pool))
        .SetIfNotNull("address", PropertyValue.Of(a.Address))
        .SetIfNotNull("customerOwnedIpv4Pool", PropertyValue.Of(a.CustomerOwnedIpv4Pool))
        .SetIfNotNull("instanceId", PropertyValue.Of(a.InstanceId))
        .SetIfNotNull("networkInterfaceId", PropertyValue.Of(a.NetworkInterfaceId))
        .SetIfNotNull("privateIpAddress", PropertyValue.Of(a.PrivateIpAddress))
        .SetIfNotNull("tags", a.Tags.Count == 0 ? null : Tags(a.Tags));

    protected override ElasticIpState ReadState(PropertyMap o)
    {
        var r = new InputReader(o);
        return new ElasticIpState(
            AllocationId: r.String("allocationId") ?? "",
            PublicIp: r.String("publicIp") ?? "",
            Domain: r.String("domain") ?? Vpc,
            AssociationId: r.String("associationId"),
            InstanceId: r.String("instanceId"),
            NetworkInterfaceId: r.String("networkInterfaceId"),
            PrivateIpAddress: r.String("privateIpAddress"),
            NetworkBorderGroup: r.String("networkBorderGroup"),
            PublicIpv4Pool: r.String("publicIpv4Pool"),
            CustomerOwnedIpv4Pool: r.String("customerOwnedIpv4Pool"),
            Address: r.String("address"),
            AllowReassociation: r.Bool("allowReassociation") ?? true,
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty);
    }

    protected override PropertyMap WriteState(ElasticIpState s) => PropertyMap.Empty
        .Set("allocationId", PropertyValue.Of(s.AllocationId))
        .Set("publicIp", PropertyValue.Of(s.PublicIp))
        .Set("domain", PropertyValue.Of(s.Domain))
        .Set("associationId", PropertyValue.Of(s.AssociationId))
        .Set("instanceId", PropertyValue.Of(s.InstanceId))
        .Set("networkInterfaceId", PropertyValue.Of(s.NetworkInterfaceId))
        .Set("privateIpAddress", PropertyValue.Of(s.PrivateIpAddress))
        .Set("networkBorderGroup", PropertyValue.Of(s.NetworkBorderGroup))
        .Set("publicIpv4Pool", PropertyValue.Of(s.PublicIpv4Pool))
        .SetIfNotNull("customerOwnedIpv4Pool", PropertyValue.Of(s.CustomerOwnedIpv4Pool))
        .SetIfNotNull("address", PropertyValue.Of(s.Address))
        .Set("allowReassociation", PropertyValue.Of(s.AllowReassociation))
        .Set("tags", Tags(s.Tags));

    private static ObjectValue Tags(IReadOnlyDictionary<string, string> tags) =>
        new(PropertyMap.From(tags.Select(kv => KeyValuePair.Create(kv.Key, PropertyValue.Of(kv.Value)))));

    protected override async Task<(string Id, ElasticIpState State)> CreateAsync(ResourceCall call, ElasticIpArgs args)
    {
        var ec2 = clients.Ec2;
        var request = new AllocateAddressRequest
        {
            Domain = args.Domain == Standard ? DomainType.Standard : DomainType.Vpc,
            NetworkBorderGroup = args.NetworkBorderGroup,
            PublicIpv4Pool = args.PublicIpv4Pool,
            Address = args.Address,
            CustomerOwnedIpv4Pool = args.CustomerOwnedIpv4Pool,
        };
        if (args.Tags.Count > 0 && args.Domain == Vpc)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.ElasticIp, Tags = ToSdkTags(args.Tags) }];
        }
        var allocated = await ec2.AllocateAddressAsync(request, call.CancellationToken);
        var state = new ElasticIpState(
            AllocationId: AddressFinder.Present(allocated.AllocationId) ?? "",
            PublicIp: allocated.PublicIp,
            Domain: args.Domain,
            AssociationId: null, InstanceId: null, NetworkInterfaceId: null, PrivateIpAddress: null,
            NetworkBorderGroup: AddressFinder.Present(allocated.NetworkBorderGroup) ?? args.NetworkBorderGroup,
            PublicIpv4Pool: AddressFinder.Present(allocated.PublicIpv4Pool) ?? args.PublicIpv4Pool,
            CustomerOwnedIpv4Pool: args.CustomerOwnedIpv4Pool,
            Address: args.Address,
            AllowReassociation: args.AllowReassociation,
            Tags: args.Tags);
        if (args.InstanceId is null && args.NetworkInterfaceId is null)
        {
            return (state.Id, state);
        }
        try
        {
            return (state.Id, await AssociateAsync(ec2, call, state, args));
        }
        catch (Exception e) when (e is AmazonEC2Exception or OperationCanceledException)
        {
            throw InitFailed(state.Id, state,
                $"allocated {state.PublicIp} ({state.Id}) but could not associate it: {e.Message}; it is kept in the stack so the next update can finish or destroy it", e);
        }
    }

    private static async Task<ElasticIpState> AssociateAsync(IAmazonEC2 ec2, ResourceCall call, ElasticIpState state, ElasticIpArgs args)
    {
        var request = new AssociateAddressRequest
        {
            InstanceId = args.InstanceId,
            NetworkInterfaceId = args.NetworkInterfaceId,
            PrivateIpAddress = args.PrivateIpAddress,
            // Always explicit: AWS defaults to reassociating, moto to refusing.
            AllowReassociation = args.AllowReassociation,
        };
        if (state.AllocationId.Length > 0)
        {
            request.AllocationId = state.AllocationId;
        }
        else
        {
            request.PublicIp = state.PublicIp;
        }
        var associated = await ec2.AssociateAddressAsync(request, call.CancellationToken);
        var found = await AddressFinder.FindAsync(ec2, state.Id, call.CancellationToken);
        return state with
        {
            AssociationId = AddressFinder.Present(associated.AssociationId),
            InstanceId = AddressFinder.Present(found?.InstanceId) ?? args.InstanceId,
            NetworkInterfaceId = AddressFinder.Present(found?.NetworkInterfaceId) ?? args.NetworkInterfaceId,
            PrivateIpAddress = args.PrivateIpAddress ?? AddressFinder.Present(found?.PrivateIpAddress),
        };
    }

    protected override async Task<Observed<ElasticIpArgs, ElasticIpState>?> ReadAsync(ResourceCall call, string id, ElasticIpState? old, ElasticIpArgs? oldArgs)
    {
        var found = await AddressFinder.FindAsync(clients.Ec2, id, call.CancellationToken);
        if (found is null)
        {
            return null;
        }
        var tags = (found.Tags ?? []).ToImmutableSortedDictionary(t => t.Key, t => t.Value ?? "", StringComparer.Ordinal);
        var state = new ElasticIpState(
            AllocationId: AddressFinder.Present(found.AllocationId) ?? "",
            PublicIp: found.PublicIp,
            Domain: found.Domain == DomainType.Standard ? Standard : Vpc,
            AssociationId: AddressFinder.Present(found.AssociationId),
            InstanceId: AddressFinder.Present(found.InstanceId),
            NetworkInterfaceId: AddressFinder.Present(found.NetworkInterfaceId),
            PrivateIpAddress: AddressFinder.Present(found.PrivateIpAddress),
            NetworkBorderGroup: AddressFinder.Present(found.NetworkBorderGroup) ?? old?.NetworkBorderGroup,
            PublicIpv4Pool: AddressFinder.Present(found.PublicIpv4Pool) ?? old?.PublicIpv4Pool,
            CustomerOwnedIpv4Pool: AddressFinder.Present(found.CustomerOwnedIpv4Pool) ?? old?.CustomerOwnedIpv4Pool,
            Address: old?.Address,
            AllowReassociation: old?.AllowReassociation ?? true,
            Tags: tags);
        // An address associated with an instance reports the instance's ENI too; the program named only one of them.
        var byInstance = oldArgs?.NetworkInterfaceId is null && state.InstanceId is not null;
        var inputs = new ElasticIpArgs(
            Domain: state.Domain,
            NetworkBorderGroup: oldArgs?.NetworkBorderGroup,
            PublicIpv4Pool: oldArgs?.PublicIpv4Pool,
            Address: oldArgs?.Address,
            CustomerOwnedIpv4Pool: oldArgs?.CustomerOwnedIpv4Pool,
            InstanceId: byInstance ? state.InstanceId : null,
            NetworkInterfaceId: byInstance ? null : state.NetworkInterfaceId,
            PrivateIpAddress: oldArgs?.PrivateIpAddress is null ? null : state.PrivateIpAddress,
            AllowReassociation: state.AllowReassociation,
            Tags: tags);
        return new Observed<ElasticIpArgs, ElasticIpState>(state.Id, state, inputs);
    }

    protected override async Task<ElasticIpState> UpdateAsync(ResourceCall call, string id, ElasticIpState old, ElasticIpArgs oldArgs, ElasticIpArgs newArgs)
    {
        var ec2 = clients.Ec2;
        var state = old with { AllowReassociation = newArgs.AllowReassociation };
        if (!newArgs.Tags.SequenceEqual(old.Tags) && old.AllocationId.Length > 0)
        {
            var removed = old.Tags.Keys.Where(k => !newArgs.Tags.ContainsKey(k)).ToList();
            if (removed.Count > 0)
            {
                await ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [old.AllocationId], Tags = removed.Select(k => new Tag { Key = k }).ToList() }, call.CancellationToken);
            }
            if (newArgs.Tags.Count > 0)
            {
                await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [old.AllocationId], Tags = ToSdkTags(newArgs.Tags) }, call.CancellationToken);
            }
            state = state with { Tags = newArgs.Tags };
        }
        var associationChanged = newArgs.InstanceId != oldArgs.InstanceId || newArgs.NetworkInterfaceId != oldArgs.NetworkInterfaceId
            || newArgs.PrivateIpAddress != oldArgs.PrivateIpAddress;
        if (!associationChanged)
        {
            return state;
        }
        if (state.AssociationId is not null || (state.Domain == Standard && state.InstanceId is not null))
        {
            await DisassociateAsync(ec2, state, call.CancellationToken);
            state = state with { AssociationId = null, InstanceId = null, NetworkInterfaceId = null, PrivateIpAddress = null };
        }
        return newArgs.InstanceId is null && newArgs.NetworkInterfaceId is null
            ? state
            : await AssociateAsync(ec2, call, state, newArgs);
    }

    protected override async Task DeleteAsync(ResourceCall call, string id, ElasticIpState state, ElasticIpArgs? oldArgs)
    {
        var ec2 = clients.Ec2;
        var live = await AddressFinder.FindAsync(ec2, id, call.CancellationToken);
        if (live is null)
        {
            await call.Log.WarningAsync($"{state.PublicIp} ({id}) no longer exists; it was released outside this stack");
            return;
        }
        if (AddressFinder.Present(live.AssociationId) is not null || (state.Domain == Standard && AddressFinder.Present(live.InstanceId) is not null))
        {
            await DisassociateAsync(ec2, state with { AssociationId = AddressFinder.Present(live.AssociationId) }, call.CancellationToken);
        }
        var release = AddressFinder.IsAllocationId(id)
            ? new ReleaseAddressRequest { AllocationId = id, NetworkBorderGroup = AddressFinder.Present(live.NetworkBorderGroup) ?? state.NetworkBorderGroup }
            : new ReleaseAddressRequest { PublicIp = id };
        await ec2.ReleaseAddressAsync(release, call.CancellationToken);
    }

    private static async Task DisassociateAsync(IAmazonEC2 ec2, ElasticIpState state, CancellationToken ct)
    {
        var request = state.AssociationId is not null
            ? new DisassociateAddressRequest { AssociationId = state.AssociationId }
            : new DisassociateAddressRequest { PublicIp = state.PublicIp };
        try
        {
            await ec2.DisassociateAddressAsync(request, ct);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAssociationID.NotFound")
        {
            // Already disassociated: the goal is reached.
        }
    }

    private static List<Tag> ToSdkTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Select(kv => new Tag { Key = kv.Key, Value = kv.Value }).ToList();
}
