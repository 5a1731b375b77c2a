using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Resources.Aws;

/// <summary>What the program asks for; every property is declared once in <see cref="ElasticIp.Declaration"/>.</summary>
public sealed record ElasticIpArgs
{
    public string Domain { get; init; } = AddressIdentity.Vpc;
    public string? NetworkBorderGroup { get; init; }
    public string? PublicIpv4Pool { get; init; }
    public string? Address { get; init; }
    public string? CustomerOwnedIpv4Pool { get; init; }
    public string? InstanceId { get; init; }
    public string? NetworkInterfaceId { get; init; }
    public string? PrivateIpAddress { get; init; }
    public bool AllowReassociation { get; init; } = true;
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>The PTR record to set (ModifyAddressAttribute DomainName); null leaves EC2's default.</summary>
    public string? ReverseDnsName { get; init; }
    /// <summary>Names that must no longer resolve to the address before Delete releases it; null: the provider's default.</summary>
    public IReadOnlyList<string>? ReleaseGuardDnsNames { get; init; }

    /// <summary>Whether the program asks for a vpc address; once it exists, its <see cref="ElasticIpState.Identity"/> answers.</summary>
    public bool IsVpc => AddressIdentity.IsVpcDomain(Domain);
}

/// <summary>What EC2 reports about the address.</summary>
public sealed record ElasticIpState
{
    public string AllocationId { get; init; } = "";
    public string PublicIp { get; init; } = "";
    public string Domain { get; init; } = AddressIdentity.Vpc;
    public string? AssociationId { get; init; }
    public string? InstanceId { get; init; }
    public string? NetworkInterfaceId { get; init; }
    public string? PrivateIpAddress { get; init; }
    public string? NetworkBorderGroup { get; init; }
    public string? PublicIpv4Pool { get; init; }
    public string? CustomerOwnedIpv4Pool { get; init; }
    public string? Address { get; init; }
    public bool AllowReassociation { get; init; } = true;
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>The PTR record this resource set; Delete resets only this one and refuses any other.</summary>
    public string? ReverseDnsName { get; init; }

    /// <summary>The PTR record EC2 reports now (DescribeAddressesAttribute), without the trailing dot.</summary>
    public string? PtrRecord { get; init; }

    /// <summary>How EC2 names the address, and whether it is vpc or standard.</summary>
    public AddressIdentity Identity => AddressIdentity.Of(AllocationId, PublicIp);

    /// <summary>The id Pulumi knows the address by: AllocationId, or PublicIp for EC2-Classic addresses.</summary>
    public string Id => Identity.Id;
}

/// <summary>publicip:aws:ElasticIp — an Elastic IP address, optionally associated with an instance or ENI.</summary>
public sealed class ElasticIp(CloudClients clients, TimeProvider? timeProvider = null) : Resource<ElasticIpArgs, ElasticIpState>
{
    private const string Vpc = AddressIdentity.Vpc;
    private const string Standard = AddressIdentity.Standard;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private static Ec2Diagnostics Diagnostics => Ec2Diagnostics.Instance;

    private static readonly Declare<ElasticIpArgs, ElasticIpState> P = new();

    public static readonly Declaration<ElasticIpArgs, ElasticIpState> Schema = new(
        "publicip:aws:ElasticIp",
        "An AWS Elastic IP address, optionally associated with an instance or a network interface. `pulumi preview` asks EC2 with DryRun whether " +
        "AllocateAddress/AssociateAddress/DisassociateAddress would be permitted, so a missing IAM permission fails the preview, not the update. " +
        "`pulumi destroy` reads the address first, disassociates it if something holds it, then releases it (by AllocationId and its network border " +
        "group, or by PublicIp for `standard`), retrying EC2's eventual-consistency answers within the operation's timeout. An address already " +
        "released is a successful delete with a warning; every other failure is a diagnostic with a remedy, and the address stays in the stack. " +
        "Import by AllocationId (`eipalloc-…`), or by public IP for a `standard` address.",
        P.String("allocationId", "The allocation id (`eipalloc-…`), the resource's id for `vpc` addresses; empty for `standard` addresses, whose id is the public IP.")
            .Output(s => s.AllocationId, (s, v) => s with { AllocationId = v ?? "" }, required: true),
        P.String("publicIp", "The public IPv4 address.")
            .Output(s => s.PublicIp, (s, v) => s with { PublicIp = v ?? "" }, required: true),
        P.String("associationId", "The association id (`eipassoc-…`) while a `vpc` address is associated; absent when it is not.")
            .Output(s => s.AssociationId, (s, v) => s with { AssociationId = v }),
        P.String("domain", "`vpc` (default) or `standard` (EC2-Classic). AWS retired EC2-Classic in August 2023: `standard` only works for adopting " +
                "(importing) and releasing an address that already exists, and Check warns when it is set. Changing it replaces the address.")
            .Input(a => a.Domain, (a, v) => a with { Domain = v ?? Vpc })
            .Output(s => s.Domain, (s, v) => s with { Domain = v ?? Vpc }, "`vpc` or `standard`, as EC2 reports it.", required: true)
            .Default(Vpc).Allowed(Vpc, Standard).ReplaceOnChange(),
        P.String("networkBorderGroup", "The network border group to allocate from (a Local Zone or Wavelength Zone); EC2 uses the region when unset. " +
                "The release names the group EC2 reports for the address. Changing it replaces the address.")
            .Input(a => a.NetworkBorderGroup, (a, v) => a with { NetworkBorderGroup = v })
            .Output(s => s.NetworkBorderGroup, (s, v) => s with { NetworkBorderGroup = v }, "The network border group EC2 reports for the address.")
            .ReplaceOnChange().Computed(),
        P.String("publicIpv4Pool", "The public IPv4 pool to allocate from, e.g. a BYOIP pool (`ipv4pool-ec2-…`); `amazon` when unset. Changing it replaces the address.")
            .Input(a => a.PublicIpv4Pool, (a, v) => a with { PublicIpv4Pool = v })
            .Output(s => s.PublicIpv4Pool, (s, v) => s with { PublicIpv4Pool = v }, "The public IPv4 pool EC2 reports for the address.")
            .ReplaceOnChange().Computed(),
        P.String("address", "A specific address to allocate from a BYOIP pool, or to recover after a release. Changing it replaces the address, " +
                "releasing the old one first so the same IP can be allocated again.")
            .Input(a => a.Address, (a, v) => a with { Address = v })
            .Output(s => s.Address, (s, v) => s with { Address = v }, "The address the program asked for, if any (`publicIp` is the one EC2 allocated).")
            // Import names the address by its public IP: a program that pins that IP matches it.
            .ReadBack((s, _) => s.PublicIp)
            .ReplaceOnChange().Computed(),
        P.String("customerOwnedIpv4Pool", "A customer-owned IPv4 pool (Outposts) to allocate from. Changing it replaces the address.")
            .Input(a => a.CustomerOwnedIpv4Pool, (a, v) => a with { CustomerOwnedIpv4Pool = v })
            .Output(s => s.CustomerOwnedIpv4Pool, (s, v) => s with { CustomerOwnedIpv4Pool = v })
            .ReplaceOnChange().Computed(),
        P.String("instanceId", "The instance to associate the address with (conflicts with networkInterfaceId); changing it re-associates in place, " +
                "removing it disassociates. With neither instanceId nor networkInterfaceId the address's association is left alone (e.g. to a " +
                "publicip:aws:ElasticIpAssociation): updates never disassociate it, and refresh and import do not read it into the inputs.")
            .Input(a => a.InstanceId, (a, v) => a with { InstanceId = v })
            .Output(s => s.InstanceId, (s, v) => s with { InstanceId = v },
                "The instance EC2 reports the address associated with, also when the program named a network interface of that instance.")
            // An association the program did not name is someone else's (see ManagesAssociation). One it did is followed,
            // on the side the program named (an instance's address also reports its ENI), or on the ENI EC2 moved it to.
            .ReadBack((s, old) => ManagesAssociation(old) && old!.NetworkInterfaceId is null ? s.InstanceId : null)
            .MatchesReported(),
        P.String("networkInterfaceId", "The network interface to associate the address with (conflicts with instanceId); changing it re-associates in place, " +
                "removing it disassociates.")
            .Input(a => a.NetworkInterfaceId, (a, v) => a with { NetworkInterfaceId = v })
            .Output(s => s.NetworkInterfaceId, (s, v) => s with { NetworkInterfaceId = v },
                "The network interface EC2 reports, also the instance's primary interface when associated by instanceId.")
            .ReadBack((s, old) => ManagesAssociation(old) && (old!.NetworkInterfaceId is not null || s.InstanceId is null) ? s.NetworkInterfaceId : null)
            .MatchesReported(),
        P.String("privateIpAddress", "The private IPv4 address on the instance or interface the public address maps to; the primary one when unset. " +
                "It must belong to the interface (EC2 answers InvalidParameterValue otherwise). Changing it re-associates in place; naming the one " +
                "EC2 already maps changes nothing.")
            .Input(a => a.PrivateIpAddress, (a, v) => a with { PrivateIpAddress = v })
            .Output(s => s.PrivateIpAddress, (s, v) => s with { PrivateIpAddress = v }, "The private IPv4 address EC2 maps the public address to.")
            .ReadBack((s, old) => ManagesAssociation(old) ? s.PrivateIpAddress : null)
            .Computed(),
        P.Boolean("allowReassociation", "Whether an association may take the address from a resource it is already associated with. Default true; always sent explicitly to EC2.")
            .Input(a => a.AllowReassociation, (a, v) => a with { AllowReassociation = v })
            .Output(s => s.AllowReassociation, (s, v) => s with { AllowReassociation = v }, required: true)
            .Default(true).ProviderSide(),
        P.StringMap("tags", "Tags on the address (vpc domain). Changing them updates in place (DeleteTags/CreateTags).")
            .Input(a => a.Tags, (a, v) => a with { Tags = v })
            .Output(s => s.Tags, (s, v) => s with { Tags = v }, "The tags EC2 reports on the address.", required: true),
        P.String("reverseDnsName", "Reverse DNS (PTR) record to set on the address, e.g. `mail.example.com` (vpc domain only). EC2 sets it only when the name's " +
                "forward (A) record already points at the address, so for a new address add it in an update once that record exists. Set with " +
                "ModifyAddressAttribute and waited for (PtrRecordUpdate pending, then applied or failed with EC2's reason) within the operation's timeout; " +
                "removing it resets the record (ResetAddressAttribute). Delete removes a record this resource set before releasing, and refuses, before any " +
                "change, to release an address whose PTR record was set outside the stack.")
            .Input(a => a.ReverseDnsName, (a, v) => a with { ReverseDnsName = v })
            .Output(s => s.ReverseDnsName, (s, v) => s with { ReverseDnsName = v })
            // Refresh keeps what this resource set (Delete resets only that); an import adopts the record it finds.
            .ReadBack((s, old) => old is null ? s.PtrRecord : old.ReverseDnsName),
        P.StringList("releaseGuardDnsNames", DnsGuard.PropertyDescription)
            .Input(a => a.ReleaseGuardDnsNames, (a, v) => a with { ReleaseGuardDnsNames = v }),
        P.String("ptrRecord", "The PTR record EC2 reports for the address now (DescribeAddressesAttribute, Attribute=domain-name), without the trailing dot; absent when none is set.")
            .Output(s => s.PtrRecord, (s, v) => s with { PtrRecord = v }));

    public override Declaration<ElasticIpArgs, ElasticIpState> Declaration => Schema;

    protected override void Validate(ElasticIpArgs args, InputReader r)
    {
        r.AtMostOneOf("instanceId", "networkInterfaceId");
        ProviderConfig.CheckGuardNames(r, "releaseGuardDnsNames", args.ReleaseGuardDnsNames ?? []);
        if (OwnershipMarks.ReservedKeyProblem(args.Tags.Keys) is { } reserved)
        {
            r.Fail("tags", reserved);
        }
        if (args.ReverseDnsName is { } ptr && !ReverseDns.IsHostName(ptr))
        {
            r.Fail("reverseDnsName", $"'reverseDnsName' must be a DNS host name such as mail.example.com, not \"{ptr}\"");
        }
        else if (args.ReverseDnsName is not null && !args.IsVpc)
        {
            r.Fail("reverseDnsName", "'reverseDnsName' needs domain \"vpc\": EC2 keeps reverse DNS only for addresses with an allocation id");
        }
        if (args.PrivateIpAddress is not null && args.InstanceId is null && args.NetworkInterfaceId is null
            && !r.IsUnknown("instanceId") && !r.IsUnknown("networkInterfaceId"))
        {
            r.Fail("privateIpAddress", "'privateIpAddress' needs 'instanceId' or 'networkInterfaceId' to say where the address goes");
        }
    }

    /// <summary>
    /// The rule that keeps ElasticIp and ElasticIpAssociation from fighting: an ElasticIp manages its address's
    /// association only while its program names a target.
    /// </summary>
    private static bool ManagesAssociation(ElasticIpArgs? args) => args?.InstanceId is not null || args?.NetworkInterfaceId is not null;

    private const string ClaimRemedy =
        "Manage it in one place: remove instanceId/networkInterfaceId from the publicip:aws:ElasticIp (it then leaves the association alone), or remove the publicip:aws:ElasticIpAssociation";

    /// <summary>Claims at every Diff too, so `pulumi preview` already warns about two resources managing one association.</summary>
    protected override Task DiffSeenAsync(ResourceCall call, string id, ElasticIpState oldState, ElasticIpArgs newArgs) => ClaimAsync(call, oldState, newArgs);

    /// <summary>Records (or drops) this resource's claim on the address's association; warns when another resource claims it too.</summary>
    private Task ClaimAsync(ResourceCall call, ElasticIpState state, ElasticIpArgs? args)
    {
        if (!ManagesAssociation(args))
        {
            clients.Associations.Release(call, state.Id);
            return Task.CompletedTask;
        }
        return clients.Associations.ClaimAsync(call, state.Id, $"{state.PublicIp} ({state.Id})", ClaimRemedy);
    }

    /// <summary>A pinned address that the old allocation holds cannot be allocated again until that one is released.</summary>
    protected override bool DeleteBeforeReplace(ElasticIpState old, ElasticIpArgs newArgs) =>
        newArgs.Address is { } pinned && (pinned == old.PublicIp || pinned == old.Address);

    private string Subject(ResourceCall call, string? publicIp, string? id) =>
        (publicIp, id) switch
        {
            (null or "", null or "") => $"a new Elastic IP of {Token} '{call.Name}'",
            (null or "", _) => $"{id} of {Token} '{call.Name}'",
            (_, _) when id is null || id == publicIp => $"{publicIp} of {Token} '{call.Name}'",
            _ => $"{publicIp} ({id}) of {Token} '{call.Name}'",
        };

    private string Subject(ResourceCall call, ElasticIpState state) => Subject(call, state.PublicIp, state.Id);

    /// <summary>Runs one EC2 call through the retry primitive; a cloud failure becomes the catalogue's diagnostic for it.</summary>
    internal static async Task<T> Ec2Async<T>(Retry retry, string action, string subject, Func<CancellationToken, Task<T>> send,
        Func<Exception, string?>? waitFor = null, bool takesPermit = true)
    {
        try
        {
            return await retry.RunAsync(action, subject, send, waitFor, takesPermit);
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Diagnostics.Fail(e, Ec2Diagnostics.Calling(action, subject));
        }
    }

    protected override async Task CheckWithCloudAsync(ResourceCall call, ElasticIpArgs args, InputReader reader)
    {
        if (!args.IsVpc)
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
            await DryRunAsync(call, "AllocateAddress", subject, c => clients.Ec2.AllocateAddressAsync(request, c));
        }
        if (unknowns.Contains("instanceId") || unknowns.Contains("networkInterfaceId") || unknowns.Contains("privateIpAddress"))
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: its target is not known yet");
        }
        else if (args.InstanceId is not null || args.NetworkInterfaceId is not null)
        {
            if (!args.IsVpc)
            {
                await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: a standard address has no id before it exists");
            }
            else
            {
                // The allocation does not exist yet: a placeholder id still lets EC2 check the permission.
                var request = AssociateRequest(AddressIdentity.Parse(PlaceholderAllocationId), args);
                request.DryRun = true;
                await DryRunAsync(call, "AssociateAddress", subject, c => clients.Ec2.AssociateAddressAsync(request, c), placeholderId: true);
            }
        }
        if (unknowns.Contains("reverseDnsName"))
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:ModifyAddressAttribute DryRun for {subject}: reverseDnsName is not known yet");
        }
        else if (args.ReverseDnsName is { } name)
        {
            var request = new ModifyAddressAttributeRequest { AllocationId = PlaceholderAllocationId, DomainName = name, DryRun = true };
            await DryRunAsync(call, "ModifyAddressAttribute", subject, c => clients.Ec2.ModifyAddressAttributeAsync(request, c), placeholderId: true);
        }
        return inputs;
    }

    private static readonly string[] AllocateInputs = ["domain", "networkBorderGroup", "publicIpv4Pool", "address", "customerOwnedIpv4Pool"];

    /// <summary>An allocation id for a DryRun whose address does not exist yet: EC2 still checks the permission.</summary>
    internal const string PlaceholderAllocationId = "eipalloc-00000000000000000";

    protected override async Task<PropertyMap> PreviewUpdateAsync(ResourceCall call, string id, ElasticIpState old, ElasticIpArgs oldArgs, ElasticIpArgs newArgs, PropertyMap news, PropertyMap outputs)
    {
        var unknowns = UnknownInputs(news);
        var subject = Subject(call, old);
        var targetUnknown = unknowns.Contains("instanceId") || unknowns.Contains("networkInterfaceId") || unknowns.Contains("privateIpAddress");
        if (targetUnknown || AssociationChanged(old, oldArgs, newArgs))
        {
            if (old.Identity.IsHeld(old.AssociationId, old.InstanceId))
            {
                var request = DisassociateRequest(old);
                request.DryRun = true;
                await DryRunAsync(call, "DisassociateAddress", subject, c => clients.Ec2.DisassociateAddressAsync(request, c));
            }
            if (targetUnknown)
            {
                await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: its new target is not known yet");
            }
            else if (newArgs.InstanceId is not null || newArgs.NetworkInterfaceId is not null)
            {
                var request = AssociateRequest(old.Identity, newArgs);
                request.DryRun = true;
                await DryRunAsync(call, "AssociateAddress", subject, c => clients.Ec2.AssociateAddressAsync(request, c));
            }
        }
        if (!unknowns.Contains("tags") && !newArgs.Tags.SequenceEqual(old.Tags) && newArgs.Tags.Count > 0 && old.Identity.IsVpc)
        {
            var request = new CreateTagsRequest { Resources = [old.AllocationId], Tags = ToSdkTags(newArgs.Tags), DryRun = true };
            await DryRunAsync(call, "CreateTags", subject, c => clients.Ec2.CreateTagsAsync(request, c));
        }
        var ptrChanges = unknowns.Contains("reverseDnsName") || PtrChange(old, newArgs) is not PtrStep.None;
        if (ptrChanges && old.Identity.IsVpc)
        {
            if (unknowns.Contains("reverseDnsName"))
            {
                await call.Log.DebugAsync($"preview: skipped the reverse DNS DryRun for {subject}: reverseDnsName is not known yet");
            }
            else if (newArgs.ReverseDnsName is { } name)
            {
                var request = new ModifyAddressAttributeRequest { AllocationId = old.AllocationId, DomainName = name, DryRun = true };
                await DryRunAsync(call, "ModifyAddressAttribute", subject, c => clients.Ec2.ModifyAddressAttributeAsync(request, c));
            }
            else
            {
                var request = new ResetAddressAttributeRequest { AllocationId = old.AllocationId, Attribute = AddressAttributeName.DomainName, DryRun = true };
                await DryRunAsync(call, "ResetAddressAttribute", subject, c => clients.Ec2.ResetAddressAttributeAsync(request, c));
            }
            outputs = outputs.Set("ptrRecord", PropertyValue.Unknown());
        }
        if (!targetUnknown && !AssociationChanged(old, oldArgs, newArgs))
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

    private Task DryRunAsync<T>(ResourceCall call, string action, string subject, Func<CancellationToken, Task<T>> send, bool placeholderId = false) =>
        DryRunAsync(clients, call, action, subject, send, placeholderId);

    /// <summary>DryRunOperation is "would succeed"; anything else (UnauthorizedOperation first) is a preview error.</summary>
    internal static async Task DryRunAsync<T>(CloudClients clients, ResourceCall call, string action, string subject, Func<CancellationToken, Task<T>> send,
        bool placeholderId = false)
    {
        try
        {
            await clients.Ec2Retry(call).RunAsync(action, subject, send);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == Ec2ErrorCodes.DryRunOperation)
        {
            await call.Log.DebugAsync($"preview: ec2:{action} for {subject} is permitted (DryRun)");
        }
        catch (AmazonEC2Exception e) when (placeholderId && e.ErrorCode is Ec2ErrorCodes.InvalidAllocationIDNotFound or Ec2ErrorCodes.InvalidAllocationIDMalformed)
        {
            await call.Log.DebugAsync($"preview: the ec2:{action} DryRun for {subject} was inconclusive: EC2 checked the placeholder allocation id before the permission");
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Diagnostics.Fail(e, Ec2Diagnostics.Calling(action, subject), "found by a DryRun during preview; nothing was changed");
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
            Domain = args.IsVpc ? DomainType.Vpc : DomainType.Standard,
            NetworkBorderGroup = args.NetworkBorderGroup,
            PublicIpv4Pool = args.PublicIpv4Pool,
            Address = args.Address,
            CustomerOwnedIpv4Pool = args.CustomerOwnedIpv4Pool,
        };
        if (tags.Count > 0 && args.IsVpc)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.ElasticIp, Tags = ToSdkTags(tags) }];
        }
        return request;
    }

    protected override async Task<(string Id, ElasticIpState State)> CreateAsync(ResourceCall call, ElasticIpArgs args)
    {
        var retry = clients.Ec2Retry(call);
        var allocated = await ElasticIpAllocation.AllocateAsync(clients, retry, call, args, AllocateRequest(args, args.Tags), Subject(call, args.Address, null), _time);
        var allocatedAs = AddressIdentity.Of(allocated.AllocationId, allocated.PublicIp);
        var state = new ElasticIpState
        {
            AllocationId = allocatedAs.AllocationId,
            PublicIp = allocated.PublicIp,
            Domain = allocatedAs.Domain,
            NetworkBorderGroup = AddressFinder.Present(allocated.NetworkBorderGroup) ?? args.NetworkBorderGroup,
            PublicIpv4Pool = AddressFinder.Present(allocated.PublicIpv4Pool) ?? args.PublicIpv4Pool,
            CustomerOwnedIpv4Pool = args.CustomerOwnedIpv4Pool,
            Address = args.Address,
            AllowReassociation = args.AllowReassociation,
            Tags = args.Tags,
        };
        var associate = ManagesAssociation(args);
        await ClaimAsync(call, state, args);
        if (!associate && args.ReverseDnsName is null)
        {
            return (state.Id, state);
        }
        var step = "associate it";
        try
        {
            if (associate)
            {
                state = await AssociateAsync(call, retry, state, args);
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
        await Ec2Async(clients.Ec2Retry(call), "ModifyAddressAttribute", subject, c => clients.Ec2.ModifyAddressAttributeAsync(
            new ModifyAddressAttributeRequest { AllocationId = state.AllocationId, DomainName = name }, c));
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
        await Ec2Async(clients.Ec2Retry(call), "ResetAddressAttribute", subject, c => clients.Ec2.ResetAddressAttributeAsync(
            new ResetAddressAttributeRequest { AllocationId = state.AllocationId, Attribute = AddressAttributeName.DomainName }, c));
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
            return await Ec2Async(clients.Ec2Retry(call), "DescribeAddressesAttribute", Subject(call, state), c => ReverseDnsWaiter.WaitSettledAsync(
                clients.Ec2, state.AllocationId, state.PublicIp, clients.Ec2Retry(call)), takesPermit: false);
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
        : ResourceException(FailureKind.FailedPrecondition, message)
    {
        public bool Accepted { get; } = Accepted;
    }

    /// <summary>Associates and reads the association back; retries the new-allocation consistency window.</summary>
    private async Task<ElasticIpState> AssociateAsync(ResourceCall call, Retry retry, ElasticIpState state, ElasticIpArgs args)
    {
        var ec2 = clients.Ec2;
        var subject = Subject(call, state);
        var request = AssociateRequest(state.Identity, args);
        var associated = await Ec2Async(retry, "AssociateAddress", subject,
            c => ec2.AssociateAddressAsync(request, c),
            e => e is AmazonEC2Exception { ErrorCode: { } code } && Ec2WaitFor.Associate.TryGetValue(code, out var why) ? why : null);
        var found = (await Ec2Async(retry, "DescribeAddresses", subject, c => clients.Ec2Api.Addresses.LookupAsync(state.Id, c), takesPermit: false)).Address;
        return state with
        {
            AssociationId = AddressFinder.Present(associated.AssociationId) ?? AddressFinder.Present(found?.AssociationId),
            InstanceId = AddressFinder.Present(found?.InstanceId) ?? args.InstanceId,
            NetworkInterfaceId = AddressFinder.Present(found?.NetworkInterfaceId) ?? args.NetworkInterfaceId,
            PrivateIpAddress = args.PrivateIpAddress ?? AddressFinder.Present(found?.PrivateIpAddress),
        };
    }

    private static AssociateAddressRequest AssociateRequest(AddressIdentity address, ElasticIpArgs args)
    {
        var request = address.AssociateRequest();
        request.InstanceId = args.InstanceId;
        request.NetworkInterfaceId = args.NetworkInterfaceId;
        request.PrivateIpAddress = args.PrivateIpAddress;
        // Always explicit: AWS defaults to reassociating, moto to refusing.
        request.AllowReassociation = args.AllowReassociation;
        return request;
    }

    protected override async Task<Observed<ElasticIpState>?> ReadAsync(ResourceCall call, string id, ElasticIpState? old, ElasticIpArgs? oldArgs)
    {
        var lookup = await Ec2Async(clients.Ec2Retry(call), "DescribeAddresses", Subject(call, old?.PublicIp, id),
            c => clients.Ec2Api.Addresses.LookupAsync(id, c), takesPermit: false);
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
        var ptr = await PtrOfAsync(clients, call, found, Subject(call, found.PublicIp, id));
        var reported = Reported(found, ptr);
        var state = reported with
        {
            NetworkBorderGroup = reported.NetworkBorderGroup ?? old?.NetworkBorderGroup,
            PublicIpv4Pool = reported.PublicIpv4Pool ?? old?.PublicIpv4Pool,
            CustomerOwnedIpv4Pool = reported.CustomerOwnedIpv4Pool ?? old?.CustomerOwnedIpv4Pool,
            Address = old?.Address,
            AllowReassociation = old?.AllowReassociation ?? true,
            // Refresh keeps what this resource set (Delete resets only that); an import adopts the record it finds.
            ReverseDnsName = old is null && oldArgs is null ? ptr.Record : old?.ReverseDnsName,
        };
        await ClaimAsync(call, state, oldArgs);
        return new Observed<ElasticIpState>(state.Id, state);
    }

    /// <summary>The PTR state of a vpc address (DescribeAddressesAttribute, coalesced, through the retry primitive); none for standard.</summary>
    internal static async Task<PtrState> PtrOfAsync(CloudClients clients, ResourceCall call, Address found, string subject) =>
        AddressFinder.Present(found.AllocationId) is { } allocationId
            ? await Ec2Async(clients.Ec2Retry(call), "DescribeAddressesAttribute", subject,
                c => clients.Ec2Api.PtrRecords.FindAsync(allocationId, c), takesPermit: false)
            : PtrState.None;

    /// <summary>The state as EC2 reports the address (what a resource's Read and the getElasticIp lookup both return).</summary>
    internal static ElasticIpState Reported(Address found, PtrState ptr) => new ElasticIpState
    {
        AllocationId = AddressIdentity.Of(found).AllocationId,
        PublicIp = found.PublicIp,
        Domain = AddressIdentity.Of(found).Domain,
        AssociationId = AddressFinder.Present(found.AssociationId),
        InstanceId = AddressFinder.Present(found.InstanceId),
        NetworkInterfaceId = AddressFinder.Present(found.NetworkInterfaceId),
        PrivateIpAddress = AddressFinder.Present(found.PrivateIpAddress),
        NetworkBorderGroup = AddressFinder.Present(found.NetworkBorderGroup),
        PublicIpv4Pool = AddressFinder.Present(found.PublicIpv4Pool),
        CustomerOwnedIpv4Pool = AddressFinder.Present(found.CustomerOwnedIpv4Pool),
        // Our ownership marks are not the program's tags: hidden, so they never show as drift or get removed.
        Tags = OwnershipMarks.WithoutMarks((found.Tags ?? []).ToImmutableSortedDictionary(t => t.Key, t => t.Value ?? "", StringComparer.Ordinal)),
        PtrRecord = ptr.Record,
    };

    /// <summary>
    /// Whether the program asks for another association than the one EC2 reports. Compared with the state, not the
    /// old inputs: naming the private IP EC2 already maps must not disassociate and re-associate the same target.
    /// A program that names no target disassociates only an association its previous program named (see <see cref="ManagesAssociation"/>).
    /// </summary>
    private static bool AssociationChanged(ElasticIpState state, ElasticIpArgs oldArgs, ElasticIpArgs args) => args switch
    {
        { InstanceId: { } instance } => instance != state.InstanceId || PrivateIpChanged(state, args),
        { NetworkInterfaceId: { } eni } => eni != state.NetworkInterfaceId || PrivateIpChanged(state, args),
        _ => ManagesAssociation(oldArgs) && (state.AssociationId is not null || state.InstanceId is not null || state.NetworkInterfaceId is not null),
    };

    private static bool PrivateIpChanged(ElasticIpState state, ElasticIpArgs args) =>
        args.PrivateIpAddress is { } wanted && wanted != state.PrivateIpAddress;

    protected override async Task<ElasticIpState> UpdateAsync(ResourceCall call, string id, ElasticIpState old, ElasticIpArgs oldArgs, ElasticIpArgs newArgs)
    {
        var ec2 = clients.Ec2;
        var retry = clients.Ec2Retry(call);
        var subject = Subject(call, old);
        var state = old with { AllowReassociation = newArgs.AllowReassociation };
        await ClaimAsync(call, old, newArgs);
        // First, so that a record EC2 refuses (forward check) fails the update before anything else changed.
        state = PtrChange(old, newArgs) switch
        {
            PtrStep.Set => await SetReverseDnsAsync(call, state, newArgs.ReverseDnsName!),
            PtrStep.Reset => await ResetReverseDnsAsync(call, state),
            _ => state,
        };
        if (!newArgs.Tags.SequenceEqual(old.Tags) && old.Identity.IsVpc)
        {
            var removed = old.Tags.Keys.Where(k => !newArgs.Tags.ContainsKey(k)).ToList();
            if (removed.Count > 0)
            {
                await Ec2Async(retry, "DeleteTags", subject, c => ec2.DeleteTagsAsync(
                    new DeleteTagsRequest { Resources = [old.AllocationId], Tags = removed.Select(k => new Tag { Key = k }).ToList() }, c));
            }
            if (newArgs.Tags.Count > 0)
            {
                await Ec2Async(retry, "CreateTags", subject, c => ec2.CreateTagsAsync(
                    new CreateTagsRequest { Resources = [old.AllocationId], Tags = ToSdkTags(newArgs.Tags) }, c));
            }
            state = state with { Tags = newArgs.Tags };
        }
        if (!AssociationChanged(old, oldArgs, newArgs))
        {
            return state;
        }
        if (state.Identity.IsHeld(state.AssociationId, state.InstanceId))
        {
            await Ec2Async(retry, "DisassociateAddress", subject, async c =>
            {
                try
                {
                    return await ec2.DisassociateAddressAsync(DisassociateRequest(state), c);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode is Ec2ErrorCodes.InvalidAssociationIDNotFound)
                {
                    return new DisassociateAddressResponse(); // already disassociated: the goal is reached
                }
            });
            state = state with { AssociationId = null, InstanceId = null, NetworkInterfaceId = null, PrivateIpAddress = null };
        }
        return newArgs.InstanceId is null && newArgs.NetworkInterfaceId is null
            ? state
            : await AssociateAsync(call, retry, state, newArgs);
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
        ReleaseWorkflow.RunAsync(new ElasticIpRelease(clients.Ec2Api, call, id, state, _time, clients.Config.Aws), call, clients.Config.RehearseDeletes,
            ReleaseGuard.For(state.PublicIp, oldArgs?.ReleaseGuardDnsNames, clients));

    private static List<Tag> ToSdkTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Select(kv => new Tag { Key = kv.Key, Value = kv.Value }).ToList();
}
