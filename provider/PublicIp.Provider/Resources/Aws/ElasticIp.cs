using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Release;

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
    ImmutableSortedDictionary<string, string> Tags)
{
    /// <summary>The PTR record to set (ModifyAddressAttribute DomainName); null leaves EC2's default.</summary>
    public string? ReverseDnsName { get; init; }

    /// <summary>Names that must no longer resolve to the address before Delete releases it; null: the provider's default.</summary>
    public IReadOnlyList<string>? ReleaseGuardDnsNames { get; init; }
}

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
    /// <summary>The PTR record this resource set; Delete resets only this one and refuses any other.</summary>
    public string? ReverseDnsName { get; init; }

    /// <summary>The PTR record EC2 reports now (DescribeAddressesAttribute), without the trailing dot.</summary>
    public string? PtrRecord { get; init; }

    /// <summary>The id Pulumi knows the address by: AllocationId, or PublicIp for EC2-Classic addresses.</summary>
    public string Id => AllocationId.Length > 0 ? AllocationId : PublicIp;
}

/// <summary>publicip:aws:ElasticIp — an Elastic IP address, optionally associated with an instance or ENI.</summary>
public sealed class ElasticIp(CloudClients clients, TimeProvider? timeProvider = null) : Resource<ElasticIpArgs, ElasticIpState>
{
    public const string Vpc = "vpc";
    public const string Standard = "standard";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private static Ec2Diagnostics Diagnostics => Ec2Diagnostics.Instance;

    public override string Token => "publicip:aws:ElasticIp";

    public override IReadOnlyList<string> OutputProperties { get; } =
    [
        "allocationId", "publicIp", "associationId", "domain", "instanceId", "networkInterfaceId",
        "privateIpAddress", "networkBorderGroup", "publicIpv4Pool", "customerOwnedIpv4Pool", "address", "allowReassociation", "tags",
        "reverseDnsName", "ptrRecord",
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
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty)
        {
            ReverseDnsName = r.String("reverseDnsName"),
            ReleaseGuardDnsNames = r.StringList("releaseGuardDnsNames"),
        };
        ProviderConfig.CheckGuardNames(r, "releaseGuardDnsNames", args.ReleaseGuardDnsNames ?? []);
        if (args.ReverseDnsName is { } ptr && !ReverseDns.IsHostName(ptr))
        {
            r.Fail("reverseDnsName", $"'reverseDnsName' must be a DNS host name such as mail.example.com, not \"{ptr}\"");
        }
        else if (args.ReverseDnsName is not null && args.Domain == Standard)
        {
            r.Fail("reverseDnsName", "'reverseDnsName' needs domain \"vpc\": EC2 keeps reverse DNS only for addresses with an allocation id");
        }
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
        .SetIfNotNull("tags", a.Tags.Count == 0 ? null : PropertyValue.Of(a.Tags))
        .SetIfNotNull("reverseDnsName", PropertyValue.Of(a.ReverseDnsName))
        .SetIfNotNull("releaseGuardDnsNames", a.ReleaseGuardDnsNames is { } names ? PropertyValue.Of(names) : null);

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
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty)
        {
            ReverseDnsName = r.String("reverseDnsName"),
            PtrRecord = r.String("ptrRecord"),
        };
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
        .Set("tags", PropertyValue.Of(s.Tags))
        .SetIfNotNull("reverseDnsName", PropertyValue.Of(s.ReverseDnsName))
        .Set("ptrRecord", PropertyValue.Of(s.PtrRecord));

    private string Subject(ResourceCall call, string? publicIp, string? id) =>
        (publicIp, id) switch
        {
            (null or "", null or "") => $"a new Elastic IP of {Token} '{call.Name}'",
            (null or "", _) => $"{id} of {Token} '{call.Name}'",
            (_, _) when id is null || id == publicIp => $"{publicIp} of {Token} '{call.Name}'",
            _ => $"{publicIp} ({id}) of {Token} '{call.Name}'",
        };

    private string Subject(ResourceCall call, ElasticIpState state) => Subject(call, state.PublicIp, state.Id);

    /// <summary>Runs one EC2 call; a cloud failure becomes the catalogue's diagnostic for it.</summary>
    private static async Task<T> Ec2Async<T>(string action, string subject, Func<Task<T>> send)
    {
        try
        {
            return await send();
        }
        catch (Exception e) when (Ec2Diagnostics.IsCloudFailure(e))
        {
            throw Diagnostics.Fail(e, action, subject);
        }
    }

    protected override async Task CheckWithCloudAsync(ResourceCall call, ElasticIpArgs args, InputReader reader)
    {
        if (args.Domain == Standard)
        {
            // Not a failure: adopting and releasing an existing EC2-Classic address still works.
            await call.Log.WarningAsync(
                $"{Token} '{call.Name}' uses domain \"standard\" (EC2-Classic), which AWS retired in August 2023: AWS no longer allocates new standard addresses, " +
                "so this only works for an address that already exists (import it by its public IP). Use domain \"vpc\" for a new address");
        }
    }

    /// <summary>Preview asks EC2 with DryRun whether the real calls would be permitted, for every input already known.</summary>
    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, ElasticIpArgs args, PropertyMap inputs)
    {
        var unknowns = UnknownInputs(inputs);
        var subject = Subject(call, args.Address, null);
        var allocateInputs = AllocateInputs.Where(unknowns.Contains).ToList();
        if (allocateInputs.Count > 0)
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:AllocateAddress DryRun for {subject}: {string.Join(", ", allocateInputs)} not known yet");
        }
        else
        {
            var request = AllocateRequest(args, unknowns.Contains("tags") ? ImmutableSortedDictionary<string, string>.Empty : args.Tags);
            request.DryRun = true;
            await DryRunAsync(call, "AllocateAddress", subject, () => clients.Ec2.AllocateAddressAsync(request, call.CancellationToken));
        }
        if (unknowns.Contains("instanceId") || unknowns.Contains("networkInterfaceId") || unknowns.Contains("privateIpAddress"))
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: its target is not known yet");
        }
        else if (args.InstanceId is not null || args.NetworkInterfaceId is not null)
        {
            if (args.Domain == Standard)
            {
                await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: a standard address has no id before it exists");
            }
            else
            {
                // The allocation does not exist yet: a placeholder id still lets EC2 check the permission.
                var request = AssociateRequest(PlaceholderAllocationId, null, args);
                request.DryRun = true;
                await DryRunAsync(call, "AssociateAddress", subject, () => clients.Ec2.AssociateAddressAsync(request, call.CancellationToken), placeholderId: true);
            }
        }
        if (unknowns.Contains("reverseDnsName"))
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:ModifyAddressAttribute DryRun for {subject}: reverseDnsName is not known yet");
        }
        else if (args.ReverseDnsName is { } name)
        {
            var request = new ModifyAddressAttributeRequest { AllocationId = PlaceholderAllocationId, DomainName = name, DryRun = true };
            await DryRunAsync(call, "ModifyAddressAttribute", subject, () => clients.Ec2.ModifyAddressAttributeAsync(request, call.CancellationToken), placeholderId: true);
        }
        return inputs;
    }

    private static readonly string[] AllocateInputs = ["domain", "networkBorderGroup", "publicIpv4Pool", "address", "customerOwnedIpv4Pool"];

    private const string PlaceholderAllocationId = "eipalloc-00000000000000000";

    protected override async Task<PropertyMap> PreviewUpdateAsync(ResourceCall call, string id, ElasticIpState old, ElasticIpArgs oldArgs, ElasticIpArgs newArgs, PropertyMap news, PropertyMap outputs)
    {
        var unknowns = UnknownInputs(news);
        var subject = Subject(call, old);
        var targetUnknown = unknowns.Contains("instanceId") || unknowns.Contains("networkInterfaceId") || unknowns.Contains("privateIpAddress");
        if (targetUnknown || AssociationChanged(oldArgs, newArgs))
        {
            if (old.AssociationId is not null || (old.Domain == Standard && old.InstanceId is not null))
            {
                var request = DisassociateRequest(old);
                request.DryRun = true;
                await DryRunAsync(call, "DisassociateAddress", subject, () => clients.Ec2.DisassociateAddressAsync(request, call.CancellationToken));
            }
            if (targetUnknown)
            {
                await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: its new target is not known yet");
            }
            else if (newArgs.InstanceId is not null || newArgs.NetworkInterfaceId is not null)
            {
                var request = AssociateRequest(old.AllocationId, old.PublicIp, newArgs);
                request.DryRun = true;
                await DryRunAsync(call, "AssociateAddress", subject, () => clients.Ec2.AssociateAddressAsync(request, call.CancellationToken));
            }
        }
        if (!unknowns.Contains("tags") && !newArgs.Tags.SequenceEqual(old.Tags) && newArgs.Tags.Count > 0 && old.AllocationId.Length > 0)
        {
            var request = new CreateTagsRequest { Resources = [old.AllocationId], Tags = ToSdkTags(newArgs.Tags), DryRun = true };
            await DryRunAsync(call, "CreateTags", subject, () => clients.Ec2.CreateTagsAsync(request, call.CancellationToken));
        }
        var ptrChanges = unknowns.Contains("reverseDnsName") || PtrChange(old, newArgs) is not PtrStep.None;
        if (ptrChanges && old.AllocationId.Length > 0)
        {
            if (unknowns.Contains("reverseDnsName"))
            {
                await call.Log.DebugAsync($"preview: skipped the reverse DNS DryRun for {subject}: reverseDnsName is not known yet");
            }
            else if (newArgs.ReverseDnsName is { } name)
            {
                var request = new ModifyAddressAttributeRequest { AllocationId = old.AllocationId, DomainName = name, DryRun = true };
                await DryRunAsync(call, "ModifyAddressAttribute", subject, () => clients.Ec2.ModifyAddressAttributeAsync(request, call.CancellationToken));
            }
            else
            {
                var request = new ResetAddressAttributeRequest { AllocationId = old.AllocationId, Attribute = AddressAttributeName.DomainName, DryRun = true };
                await DryRunAsync(call, "ResetAddressAttribute", subject, () => clients.Ec2.ResetAddressAttributeAsync(request, call.CancellationToken));
            }
            outputs = outputs.Set("ptrRecord", PropertyValue.Unknown());
        }
        if (!targetUnknown && !AssociationChanged(oldArgs, newArgs))
        {
            return outputs;
        }
        // Disassociating leaves every association output empty; a new association gets a new AssociationId,
        // and EC2 fills in the side (instance or interface) the program did not name.
        var dissociating = !targetUnknown && newArgs.InstanceId is null && newArgs.NetworkInterfaceId is null;
        return AssociationOutputs.Aggregate(outputs, (o, key) =>
            dissociating ? o.Set(key, PropertyValue.Null) : news.ContainsKey(key) ? o : o.Set(key, PropertyValue.Unknown()));
    }

    private static readonly string[] AssociationOutputs = ["associationId", "instanceId", "networkInterfaceId", "privateIpAddress"];

    /// <summary>DryRunOperation is "would succeed"; anything else (UnauthorizedOperation first) is a preview error.</summary>
    private static async Task DryRunAsync<T>(ResourceCall call, string action, string subject, Func<Task<T>> send, bool placeholderId = false)
    {
        try
        {
            await send();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "DryRunOperation")
        {
            await call.Log.DebugAsync($"preview: ec2:{action} for {subject} is permitted (DryRun)");
        }
        catch (AmazonEC2Exception e) when (placeholderId && e.ErrorCode is "InvalidAllocationID.NotFound" or "InvalidAllocationID.Malformed")
        {
            await call.Log.DebugAsync($"preview: the ec2:{action} DryRun for {subject} was inconclusive: EC2 checked the placeholder allocation id before the permission");
        }
        catch (Exception e) when (Ec2Diagnostics.IsCloudFailure(e))
        {
            throw Diagnostics.Fail(e, action, subject, "found by a DryRun during preview; nothing was changed");
        }
    }

    private IReadOnlySet<string> UnknownInputs(PropertyMap inputs)
    {
        var reader = new InputReader(inputs);
        ReadArgs(reader);
        return reader.Unknowns;
    }

    private static AllocateAddressRequest AllocateRequest(ElasticIpArgs args, IReadOnlyDictionary<string, string> tags)
    {
        var request = new AllocateAddressRequest
        {
            Domain = args.Domain == Standard ? DomainType.Standard : DomainType.Vpc,
            NetworkBorderGroup = args.NetworkBorderGroup,
            PublicIpv4Pool = args.PublicIpv4Pool,
            Address = args.Address,
            CustomerOwnedIpv4Pool = args.CustomerOwnedIpv4Pool,
        };
        if (tags.Count > 0 && args.Domain == Vpc)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.ElasticIp, Tags = ToSdkTags(tags) }];
        }
        return request;
    }

    protected override async Task<(string Id, ElasticIpState State)> CreateAsync(ResourceCall call, ElasticIpArgs args)
    {
        var ec2 = clients.Ec2;
        var allocated = await Ec2Async("AllocateAddress", Subject(call, args.Address, null),
            () => ec2.AllocateAddressAsync(AllocateRequest(args, args.Tags), call.CancellationToken));
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
        var associate = args.InstanceId is not null || args.NetworkInterfaceId is not null;
        if (!associate && args.ReverseDnsName is null)
        {
            return (state.Id, state);
        }
        var step = "associate it";
        try
        {
            if (associate)
            {
                state = await AssociateAsync(call, state, args);
            }
            if (args.ReverseDnsName is { } name)
            {
                step = $"set its reverse DNS record {name}";
                state = await SetReverseDnsAsync(call, state, name);
            }
            return (state.Id, state);
        }
        catch (Exception e) when (e is ResourceException or OperationCanceledException)
        {
            var reason = e is ResourceException ? e.Message : $"the operation timed out or was cancelled before it could {step}";
            if (e is ReverseDnsException { Accepted: true })
            {
                state = state with { ReverseDnsName = args.ReverseDnsName }; // EC2 may still apply it: Delete must know it is ours
            }
            throw InitFailed(state.Id, state,
                $"allocated {state.PublicIp} ({state.Id}) but could not {step}: {reason}; it is kept in the stack so the next update can finish it or a destroy can release it", e);
        }
    }

    private enum PtrStep { None, Set, Reset }

    /// <summary>What the reverse DNS needs, judged by the state (what this resource set), not the old inputs.</summary>
    private static PtrStep PtrChange(ElasticIpState old, ElasticIpArgs newArgs) =>
        newArgs.ReverseDnsName is { } name
            ? ReverseDns.SameName(name, old.ReverseDnsName) && ReverseDns.SameName(name, old.PtrRecord) ? PtrStep.None : PtrStep.Set
            : old.ReverseDnsName is not null ? PtrStep.Reset : PtrStep.None;

    /// <summary>
    /// ModifyAddressAttribute (EC2 first checks that the name's forward record points at the address), then waits
    /// within the operation's timeout until EC2 reports the update applied or failed.
    /// </summary>
    private async Task<ElasticIpState> SetReverseDnsAsync(ResourceCall call, ElasticIpState state, string name)
    {
        var subject = Subject(call, state);
        await Ec2Async("ModifyAddressAttribute", subject, () => clients.Ec2.ModifyAddressAttributeAsync(
            new ModifyAddressAttributeRequest { AllocationId = state.AllocationId, DomainName = name }, call.CancellationToken));
        await call.Log.StatusAsync($"waiting for EC2 to apply the reverse DNS record {name} of {state.PublicIp}");
        var ptr = await WaitForPtrAsync(call, state, "ModifyAddressAttribute", name);
        if (ptr.IsFailed || !ReverseDns.SameName(ptr.Record, name))
        {
            throw new ReverseDnsException(Accepted: false,
                $"ec2:ModifyAddressAttribute on {subject} failed: EC2 did not set the reverse DNS record {name} " +
                $"({(ptr.UpdateReason is { } why ? $"EC2 said: {why}" : $"status {ptr.UpdateStatus ?? "none"}, record {ptr.Record ?? "none"}")}). " +
                $"EC2 sets a PTR record only when the name's forward record points at the address: create or fix the DNS record {name} A {state.PublicIp}, then run `pulumi up` again");
        }
        return state with { ReverseDnsName = name, PtrRecord = ptr.Record };
    }

    /// <summary>ResetAddressAttribute, then waits until EC2 no longer reports a record (or an update in flight).</summary>
    private async Task<ElasticIpState> ResetReverseDnsAsync(ResourceCall call, ElasticIpState state)
    {
        var subject = Subject(call, state);
        await Ec2Async("ResetAddressAttribute", subject, () => clients.Ec2.ResetAddressAttributeAsync(
            new ResetAddressAttributeRequest { AllocationId = state.AllocationId, Attribute = AddressAttributeName.DomainName }, call.CancellationToken));
        await call.Log.StatusAsync($"waiting for EC2 to remove the reverse DNS record {state.ReverseDnsName} of {state.PublicIp}");
        var ptr = await WaitForPtrAsync(call, state, "ResetAddressAttribute", state.ReverseDnsName!);
        if (ptr.BlocksRelease || ptr.IsFailed)
        {
            throw new ReverseDnsException(Accepted: true,
                $"ec2:ResetAddressAttribute on {subject} failed: EC2 still reports the reverse DNS record {ptr.Shown ?? state.ReverseDnsName}" +
                (ptr.UpdateReason is { } why ? $" (EC2 said: {why})" : "") + "; run the operation again, and if it persists ask AWS Support to remove the PTR record");
        }
        return state with { ReverseDnsName = null, PtrRecord = null };
    }

    private async Task<PtrState> WaitForPtrAsync(ResourceCall call, ElasticIpState state, string action, string name)
    {
        try
        {
            return await Ec2Async("DescribeAddressesAttribute", Subject(call, state), () => ReverseDnsWaiter.WaitSettledAsync(
                clients.Ec2, state.AllocationId, state.PublicIp, Budget(call), call.Log, _time, call.CancellationToken));
        }
        catch (PtrStillPendingException)
        {
            throw new ReverseDnsException(Accepted: true,
                $"ec2:{action} on {Subject(call, state)} did not finish: EC2 still reports the reverse DNS update to {name} PENDING at the end of the operation's timeout. " +
                "EC2 may still apply it; run `pulumi refresh` later to see the record, or allow longer with customTimeouts");
        }
    }

    /// <summary>A reverse DNS step that did not reach its goal; <c>Accepted</c>: EC2 took the request and may still apply it.</summary>
    private sealed class ReverseDnsException(bool Accepted, string message)
        : ResourceException(Grpc.Core.StatusCode.FailedPrecondition, message)
    {
        public bool Accepted { get; } = Accepted;
    }

    /// <summary>Associates and reads the association back; retries the new-allocation consistency window.</summary>
    private async Task<ElasticIpState> AssociateAsync(ResourceCall call, ElasticIpState state, ElasticIpArgs args)
    {
        var ec2 = clients.Ec2;
        var subject = Subject(call, state);
        var request = AssociateRequest(state.AllocationId, state.PublicIp, args);
        var associated = await Ec2Async("AssociateAddress", subject, () => Retry.WhileAsync(
            $"ec2:AssociateAddress on {state.PublicIp}",
            c => ec2.AssociateAddressAsync(request, c),
            e => e is AmazonEC2Exception { ErrorCode: "InvalidAllocationID.NotFound" } ? "EC2 does not see the new allocation yet (eventual consistency)" : null,
            Budget(call), call.Log, _time, call.CancellationToken));
        var found = await Ec2Async("DescribeAddresses", subject, () => AddressFinder.FindAsync(ec2, state.Id, call.CancellationToken));
        return state with
        {
            AssociationId = AddressFinder.Present(associated.AssociationId) ?? AddressFinder.Present(found?.AssociationId),
            InstanceId = AddressFinder.Present(found?.InstanceId) ?? args.InstanceId,
            NetworkInterfaceId = AddressFinder.Present(found?.NetworkInterfaceId) ?? args.NetworkInterfaceId,
            PrivateIpAddress = args.PrivateIpAddress ?? AddressFinder.Present(found?.PrivateIpAddress),
        };
    }

    private static AssociateAddressRequest AssociateRequest(string allocationId, string? publicIp, ElasticIpArgs args)
    {
        var request = new AssociateAddressRequest
        {
            InstanceId = args.InstanceId,
            NetworkInterfaceId = args.NetworkInterfaceId,
            PrivateIpAddress = args.PrivateIpAddress,
            // Always explicit: AWS defaults to reassociating, moto to refusing.
            AllowReassociation = args.AllowReassociation,
        };
        if (allocationId.Length > 0)
        {
            request.AllocationId = allocationId;
        }
        else
        {
            request.PublicIp = publicIp;
        }
        return request;
    }

    private static RetryOptions Budget(ResourceCall call) => RetryOptions.EventualConsistency with { Budget = RetryBudget(call.Timeout, TimeSpan.Zero) };

    /// <summary>
    /// How long retries may still take: what is left of the engine's timeout, less a margin so our diagnostic
    /// reaches the user before the deadline does, and never more than the usual consistency window.
    /// </summary>
    internal static TimeSpan RetryBudget(TimeSpan timeout, TimeSpan used)
    {
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, timeout.Ticks / 10));
        var left = timeout - margin - used;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left < RetryOptions.EventualConsistency.Budget ? left : RetryOptions.EventualConsistency.Budget;
    }

    protected override async Task<Observed<ElasticIpArgs, ElasticIpState>?> ReadAsync(ResourceCall call, string id, ElasticIpState? old, ElasticIpArgs? oldArgs)
    {
        var lookup = await Ec2Async("DescribeAddresses", Subject(call, old?.PublicIp, id), () => AddressFinder.LookupAsync(clients.Ec2, id, call.CancellationToken));
        if (lookup.Address is not { } found)
        {
            if (old is not null)
            {
                await call.Log.WarningAsync(lookup.BelongsToAnotherAccount
                    ? $"{Subject(call, old.PublicIp, id)} was released outside this stack and now belongs to another AWS account; it leaves the stack"
                    : $"{Subject(call, old.PublicIp, id)} no longer exists (released outside this stack); it leaves the stack");
            }
            return null;
        }
        var tags = (found.Tags ?? []).ToImmutableSortedDictionary(t => t.Key, t => t.Value ?? "", StringComparer.Ordinal);
        var ptr = AddressFinder.Present(found.AllocationId) is { } allocationId
            ? await Ec2Async("DescribeAddressesAttribute", Subject(call, found.PublicIp, id), () => ReverseDns.FindAsync(clients.Ec2, allocationId, call.CancellationToken))
            : PtrState.None;
        // Refresh keeps what this resource set (Delete resets only that); an import adopts the record it finds.
        var importing = old is null && oldArgs is null;
        var ownedPtr = importing ? ptr.Record : old?.ReverseDnsName;
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
            Tags: tags)
        {
            ReverseDnsName = ownedPtr,
            PtrRecord = ptr.Record,
        };
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
            Tags: tags)
        {
            ReverseDnsName = importing ? ptr.Record : oldArgs?.ReverseDnsName,
            ReleaseGuardDnsNames = oldArgs?.ReleaseGuardDnsNames,
        };
        return new Observed<ElasticIpArgs, ElasticIpState>(state.Id, state, inputs);
    }

    private static bool AssociationChanged(ElasticIpArgs oldArgs, ElasticIpArgs newArgs) =>
        newArgs.InstanceId != oldArgs.InstanceId || newArgs.NetworkInterfaceId != oldArgs.NetworkInterfaceId
        || newArgs.PrivateIpAddress != oldArgs.PrivateIpAddress;

    protected override async Task<ElasticIpState> UpdateAsync(ResourceCall call, string id, ElasticIpState old, ElasticIpArgs oldArgs, ElasticIpArgs newArgs)
    {
        var ec2 = clients.Ec2;
        var subject = Subject(call, old);
        var state = old with { AllowReassociation = newArgs.AllowReassociation };
        // First, so that a record EC2 refuses (forward check) fails the update before anything else changed.
        state = PtrChange(old, newArgs) switch
        {
            PtrStep.Set => await SetReverseDnsAsync(call, state, newArgs.ReverseDnsName!),
            PtrStep.Reset => await ResetReverseDnsAsync(call, state),
            _ => state,
        };
        if (!newArgs.Tags.SequenceEqual(old.Tags) && old.AllocationId.Length > 0)
        {
            var removed = old.Tags.Keys.Where(k => !newArgs.Tags.ContainsKey(k)).ToList();
            if (removed.Count > 0)
            {
                await Ec2Async("DeleteTags", subject, () => ec2.DeleteTagsAsync(
                    new DeleteTagsRequest { Resources = [old.AllocationId], Tags = removed.Select(k => new Tag { Key = k }).ToList() }, call.CancellationToken));
            }
            if (newArgs.Tags.Count > 0)
            {
                await Ec2Async("CreateTags", subject, () => ec2.CreateTagsAsync(
                    new CreateTagsRequest { Resources = [old.AllocationId], Tags = ToSdkTags(newArgs.Tags) }, call.CancellationToken));
            }
            state = state with { Tags = newArgs.Tags };
        }
        if (!AssociationChanged(oldArgs, newArgs))
        {
            return state;
        }
        if (state.AssociationId is not null || (state.Domain == Standard && state.InstanceId is not null))
        {
            await Ec2Async("DisassociateAddress", subject, async () =>
            {
                try
                {
                    return await ec2.DisassociateAddressAsync(DisassociateRequest(state), call.CancellationToken);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAssociationID.NotFound")
                {
                    return new DisassociateAddressResponse(); // already disassociated: the goal is reached
                }
            });
            state = state with { AssociationId = null, InstanceId = null, NetworkInterfaceId = null, PrivateIpAddress = null };
        }
        return newArgs.InstanceId is null && newArgs.NetworkInterfaceId is null
            ? state
            : await AssociateAsync(call, state, newArgs);
    }

    private static DisassociateAddressRequest DisassociateRequest(ElasticIpState state) =>
        state.AssociationId is not null
            ? new DisassociateAddressRequest { AssociationId = state.AssociationId }
            : new DisassociateAddressRequest { PublicIp = state.PublicIp };

    /// <summary>
    /// Read the truth, disassociate if held, release (see <see cref="ElasticIpRelease"/>). With rehearseDeletes
    /// the same steps run with DryRun and the delete fails on purpose, so the stack keeps the address.
    /// </summary>
    protected override Task DeleteAsync(ResourceCall call, string id, ElasticIpState state, ElasticIpArgs? oldArgs) =>
        ReleaseWorkflow.RunAsync(new ElasticIpRelease(clients.Ec2, call, id, state, _time, clients.Config.Aws), call, clients.Config.RehearseDeletes,
            ReleaseGuard.For(state.PublicIp, oldArgs?.ReleaseGuardDnsNames, clients));

    private static List<Tag> ToSdkTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Select(kv => new Tag { Key = kv.Key, Value = kv.Value }).ToList();
}
