using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Retries;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Resources.Aws;

/// <summary>What the program asks for; every property is declared once in <see cref="ElasticIpAssociation.Schema"/>.</summary>
public sealed record ElasticIpAssociationArgs
{
    public string? AllocationId { get; init; }
    public string? PublicIp { get; init; }
    public string? InstanceId { get; init; }
    public string? NetworkInterfaceId { get; init; }
    public string? PrivateIpAddress { get; init; }
    public bool AllowReassociation { get; init; } = true;
}

/// <summary>What EC2 reports about the association (DescribeAddresses of the associated address).</summary>
public sealed record ElasticIpAssociationState
{
    public string AssociationId { get; init; } = "";
    public string AllocationId { get; init; } = "";
    public string PublicIp { get; init; } = "";
    public string? InstanceId { get; init; }
    public string? NetworkInterfaceId { get; init; }
    public string? PrivateIpAddress { get; init; }
    public bool AllowReassociation { get; init; } = true;

    /// <summary>The id Pulumi knows it by: the AssociationId, or the public IP for a `standard` address, which has none.</summary>
    public string Id => AssociationId.Length > 0 ? AssociationId : PublicIp;

    /// <summary>How EC2 names the associated address, and whether it is vpc or standard.</summary>
    public AddressIdentity Address => AddressIdentity.Of(AllocationId, PublicIp);

    /// <summary>The address's own id, under which the address's resources claim its association.</summary>
    public string AddressId => Address.Id;
}

/// <summary>
/// publicip:aws:ElasticIpAssociation — the association of an Elastic IP with an instance or network interface, with a
/// lifecycle of its own: Delete disassociates only, and the address stays allocated.
/// </summary>
public sealed class ElasticIpAssociation(CloudClients clients) : Resource<ElasticIpAssociationArgs, ElasticIpAssociationState>
{
    private static readonly Declare<ElasticIpAssociationArgs, ElasticIpAssociationState> P = new();

    public static readonly Declaration<ElasticIpAssociationArgs, ElasticIpAssociationState> Schema = new(
        "publicip:aws:ElasticIpAssociation",
        "The association of an Elastic IP address with an instance or a network interface, managed apart from the address (like " +
        "aws_eip_association): the address outlives it. Create calls AssociateAddress (preview: with DryRun), Delete calls DisassociateAddress " +
        "only. Changing the address or the target replaces the association (a new AssociationId): with allowReassociation the new association " +
        "takes the address over before the old one is removed, without a moment without it. Import by AssociationId (`eipassoc-…`), or by " +
        "public IP for a `standard` address. Give the publicip:aws:ElasticIp of the same address no instanceId or networkInterfaceId: it then " +
        "leaves the association to this resource.",
        P.String("associationId", "The association id (`eipassoc-…`), the resource's id; empty for a `standard` address, whose id is its public IP.")
            .Output(s => s.AssociationId, (s, v) => s with { AssociationId = v ?? "" }, required: true),
        P.String("allocationId", "The allocation id (`eipalloc-…`) of the address to associate, e.g. an ElasticIp's `allocationId`. Changing it replaces the association.")
            .Input(a => a.AllocationId, (a, v) => a with { AllocationId = v })
            .Output(s => s.AllocationId, (s, v) => s with { AllocationId = v ?? "" }, "The allocation id EC2 reports; empty for a `standard` address.")
            .ReplaceOnChange().Computed(),
        P.String("publicIp", "The public IP of a `standard` (EC2-Classic) address, which has no allocation id; for a `vpc` address use allocationId " +
                "(naming its public IP too changes nothing). Changing it replaces the association.")
            .Input(a => a.PublicIp, (a, v) => a with { PublicIp = v })
            .Output(s => s.PublicIp, (s, v) => s with { PublicIp = v ?? "" }, "The public IPv4 address.", required: true)
            .ReadBack((s, old) => s.Address.IsVpc ? old?.PublicIp : s.PublicIp)
            .ReplaceOnChange().Computed(),
        P.String("instanceId", "The instance to associate the address with (its primary interface; conflicts with networkInterfaceId). Changing it replaces the association.")
            .Input(a => a.InstanceId, (a, v) => a with { InstanceId = v })
            .Output(s => s.InstanceId, (s, v) => s with { InstanceId = v }, "The instance EC2 reports, also when the program named one of its interfaces.")
            // Import names whichever side EC2 reports (the instance when there is one); refresh keeps the side the program named.
            .ReadBack((s, old) => old is null || old.InstanceId is not null ? s.InstanceId : null)
            .ReplaceOnChange().Computed(),
        P.String("networkInterfaceId", "The network interface to associate the address with (conflicts with instanceId). Changing it replaces the association.")
            .Input(a => a.NetworkInterfaceId, (a, v) => a with { NetworkInterfaceId = v })
            .Output(s => s.NetworkInterfaceId, (s, v) => s with { NetworkInterfaceId = v }, "The network interface EC2 reports, also when the program named the instance.")
            .ReadBack((s, old) => (old is null && s.InstanceId is null) || old?.NetworkInterfaceId is not null ? s.NetworkInterfaceId : null)
            .ReplaceOnChange().Computed(),
        P.String("privateIpAddress", "The private IPv4 address on the instance or interface the public address maps to; the primary one when unset. " +
                "Changing it replaces the association; naming the one EC2 already maps changes nothing.")
            .Input(a => a.PrivateIpAddress, (a, v) => a with { PrivateIpAddress = v })
            .Output(s => s.PrivateIpAddress, (s, v) => s with { PrivateIpAddress = v }, "The private IPv4 address EC2 maps the public address to.")
            .ReplaceOnChange().Computed(),
        P.Boolean("allowReassociation", "Whether the association may take the address from a resource that holds it (default true, sent explicitly to EC2). " +
                "When false, a replacement removes the old association first. Changing it sends nothing: it applies to the next association.")
            .Input(a => a.AllowReassociation, (a, v) => a with { AllowReassociation = v })
            .Output(s => s.AllowReassociation, (s, v) => s with { AllowReassociation = v }, required: true)
            .Default(true).ProviderSide());

    public override Declaration<ElasticIpAssociationArgs, ElasticIpAssociationState> Declaration => Schema;

    private const string Remedy = "Manage it in one place: give the publicip:aws:ElasticIp no instanceId or networkInterfaceId (it then leaves the association alone), or remove this association";

    protected override void Validate(ElasticIpAssociationArgs args, InputReader r)
    {
        r.AtMostOneOf("instanceId", "networkInterfaceId");
        if (args.AllocationId is null && args.PublicIp is null && !r.IsUnknown("allocationId") && !r.IsUnknown("publicIp"))
        {
            r.Fail("allocationId", "'allocationId' (or 'publicIp' for a standard address) must say which address to associate");
        }
        if (args.InstanceId is null && args.NetworkInterfaceId is null && !r.IsUnknown("instanceId") && !r.IsUnknown("networkInterfaceId"))
        {
            r.Fail("instanceId", "'instanceId' or 'networkInterfaceId' must say what to associate the address with");
        }
    }

    /// <summary>Without reassociation the new association cannot take the address while the old one holds it.</summary>
    protected override bool DeleteBeforeReplace(ElasticIpAssociationState old, ElasticIpAssociationArgs newArgs) => !newArgs.AllowReassociation;

    private string Subject(ResourceCall call, string? address, string? associationId = null) =>
        $"{(associationId is { Length: > 0 } a ? $"association {a} of " : "")}{(address is { Length: > 0 } ? address : "a new address")} of {Token} '{call.Name}'";

    private static AssociateAddressRequest AssociateRequest(AddressIdentity address, ElasticIpAssociationArgs args)
    {
        var request = address.AssociateRequest();
        request.InstanceId = args.InstanceId;
        request.NetworkInterfaceId = args.NetworkInterfaceId;
        request.PrivateIpAddress = args.PrivateIpAddress;
        request.AllowReassociation = args.AllowReassociation; // explicit: AWS defaults to reassociating, moto to refusing
        return request;
    }

    private Task ClaimAsync(ResourceCall call, ElasticIpAssociationState state) =>
        clients.Associations.ClaimAsync(call, state.AddressId, $"{state.PublicIp} ({state.AddressId})", Remedy);

    /// <summary>Claims at every Diff too, so `pulumi preview` already warns about two resources managing one association.</summary>
    protected override Task DiffSeenAsync(ResourceCall call, string id, ElasticIpAssociationState oldState, ElasticIpAssociationArgs newArgs) =>
        ClaimAsync(call, oldState);

    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, ElasticIpAssociationArgs args, PropertyMap inputs)
    {
        var reader = new InputReader(inputs);
        ReadArgs(reader);
        var subject = Subject(call, args.PublicIp ?? args.AllocationId);
        if (AddressIdentity.Of(args.AllocationId, args.PublicIp).Id is { Length: > 0 } named)
        {
            // A new association of an address known already: an ElasticIp that names a target for it is warned about now.
            await clients.Associations.ClaimAsync(call, named, named, Remedy);
        }
        if (reader.Unknowns.Overlaps(["instanceId", "networkInterfaceId", "privateIpAddress"]) || (args.AllocationId is null && reader.IsUnknown("publicIp")))
        {
            await call.Log.DebugAsync($"preview: skipped the ec2:AssociateAddress DryRun for {subject}: its target or address is not known yet");
            return inputs;
        }
        // An address created in the same preview has no allocation id yet: a placeholder still lets EC2 check the permission.
        var placeholder = args.AllocationId is null && args.PublicIp is null;
        var request = AssociateRequest(placeholder ? AddressIdentity.Parse(ElasticIp.PlaceholderAllocationId) : AddressIdentity.Of(args.AllocationId, args.PublicIp), args);
        request.DryRun = true;
        await ElasticIp.DryRunAsync(clients, call, "AssociateAddress", subject, c => clients.Ec2.AssociateAddressAsync(request, c), placeholder);
        return inputs;
    }

    protected override async Task<(string Id, ElasticIpAssociationState State)> CreateAsync(ResourceCall call, ElasticIpAssociationArgs args)
    {
        var retry = clients.Ec2Retry(call);
        var named = AddressIdentity.Of(args.AllocationId, args.PublicIp);
        var address = named.Id is { Length: > 0 } id
            ? id
            : throw new ResourceException(FailureKind.InvalidInput, "'allocationId' (or 'publicIp' for a standard address) is required");
        var subject = Subject(call, args.PublicIp ?? args.AllocationId);
        await call.Log.StatusAsync($"associating {address} with {args.InstanceId ?? args.NetworkInterfaceId}");
        var associated = await ElasticIp.Ec2Async(retry, "AssociateAddress", subject,
            c => clients.Ec2.AssociateAddressAsync(AssociateRequest(named, args), c),
            e => e is AmazonEC2Exception { ErrorCode: { } code } && Ec2WaitFor.Associate.TryGetValue(code, out var why) ? why : null);
        var associationId = AddressFinder.Present(associated.AssociationId);
        var found = (await ElasticIp.Ec2Async(retry, "DescribeAddresses", subject, c => clients.Ec2Api.Addresses.LookupAsync(address, c), takesPermit: false)).Address;
        // A stale read may still show the previous association: only one with our id describes what we made.
        var state = found is not null && (associationId is null || AddressFinder.Present(found.AssociationId) == associationId)
            ? StateOf(found, args.AllowReassociation)
            : new ElasticIpAssociationState
            {
                AllocationId = args.AllocationId ?? "", PublicIp = found?.PublicIp ?? args.PublicIp ?? "", InstanceId = args.InstanceId,
                NetworkInterfaceId = args.NetworkInterfaceId, PrivateIpAddress = args.PrivateIpAddress, AllowReassociation = args.AllowReassociation,
            };
        state = state with { AssociationId = associationId ?? "" };
        await ClaimAsync(call, state);
        return (state.Id, state);
    }

    private static ElasticIpAssociationState StateOf(Address a, bool allowReassociation) => new()
    {
        AssociationId = AddressFinder.Present(a.AssociationId) ?? "",
        AllocationId = AddressFinder.Present(a.AllocationId) ?? "",
        PublicIp = a.PublicIp,
        InstanceId = AddressFinder.Present(a.InstanceId),
        NetworkInterfaceId = AddressFinder.Present(a.NetworkInterfaceId),
        PrivateIpAddress = AddressFinder.Present(a.PrivateIpAddress),
        AllowReassociation = allowReassociation,
    };

    /// <summary>The address the association id names, or, for a `standard` address (id: its public IP), that address while it is associated.</summary>
    private async Task<Address?> FindAsync(ResourceCall call, Retry retry, string id, string? publicIp)
    {
        var subject = Subject(call, publicIp, id);
        if (!id.StartsWith("eipassoc-", StringComparison.Ordinal))
        {
            var standard = (await ElasticIp.Ec2Async(retry, "DescribeAddresses", subject, c => clients.Ec2Api.Addresses.LookupAsync(id, c), takesPermit: false)).Address;
            return AddressFinder.Present(standard?.InstanceId) is null ? null : standard;
        }
        var response = await ElasticIp.Ec2Async(retry, "DescribeAddresses", subject, c => clients.Ec2.DescribeAddressesAsync(
            new DescribeAddressesRequest { Filters = [new Filter("association-id", [id])] }, c));
        return (response.Addresses ?? []).FirstOrDefault(a => a.AssociationId == id);
    }

    protected override async Task<Observed<ElasticIpAssociationState>?> ReadAsync(ResourceCall call, string id, ElasticIpAssociationState? old, ElasticIpAssociationArgs? oldArgs)
    {
        var found = await FindAsync(call, clients.Ec2Retry(call), id, old?.PublicIp);
        if (found is null)
        {
            if (old is not null)
            {
                await call.Log.WarningAsync($"{Subject(call, old.PublicIp, id)} no longer exists (disassociated or released outside this stack); it leaves the stack");
            }
            return null;
        }
        var state = StateOf(found, old?.AllowReassociation ?? oldArgs?.AllowReassociation ?? true);
        await ClaimAsync(call, state);
        return new Observed<ElasticIpAssociationState>(state.Id, state);
    }

    /// <summary>Only allowReassociation changes in place, and it applies to the next association: nothing to send.</summary>
    protected override async Task<ElasticIpAssociationState> UpdateAsync(ResourceCall call, string id, ElasticIpAssociationState old, ElasticIpAssociationArgs oldArgs, ElasticIpAssociationArgs newArgs)
    {
        await ClaimAsync(call, old);
        return old with { AllowReassociation = newArgs.AllowReassociation };
    }

    /// <summary>DisassociateAddress by its AssociationId only, so it never takes the address from an association that replaced it.</summary>
    protected override async Task DeleteAsync(ResourceCall call, string id, ElasticIpAssociationState state, ElasticIpAssociationArgs? oldArgs)
    {
        var retry = clients.Ec2Retry(call);
        var subject = Subject(call, state.PublicIp, id);
        var request = state.AssociationId.Length > 0
            ? new DisassociateAddressRequest { AssociationId = state.AssociationId }
            : new DisassociateAddressRequest { PublicIp = state.PublicIp };
        if (clients.Config.RehearseDeletes)
        {
            request.DryRun = true;
            await ElasticIp.DryRunAsync(clients, call, "DisassociateAddress", subject, c => clients.Ec2.DisassociateAddressAsync(request, c));
            var summary = $"destroy rehearsal (rehearseDeletes is on): would disassociate {subject} (ec2:DisassociateAddress DryRun passed) and leave the address allocated. " +
                "Nothing was changed and the resource stays in the stack";
            await call.Log.InfoAsync(summary);
            throw new ResourceException(FailureKind.FailedPrecondition, summary);
        }
        if (state.AssociationId.Length == 0)
        {
            // A standard address is disassociated by its public IP: only while it still holds the instance this resource associated.
            var held = await FindAsync(call, retry, id, state.PublicIp);
            if (held is null || AddressFinder.Present(held.InstanceId) != state.InstanceId)
            {
                await call.Log.WarningAsync($"{subject} was already disassociated (or moved) outside this stack; nothing to do");
                clients.Associations.Release(call, state.AddressId);
                return;
            }
        }
        await call.Log.StatusAsync($"disassociating {state.PublicIp} from {state.InstanceId ?? state.NetworkInterfaceId}");
        var gone = await ElasticIp.Ec2Async(retry, "DisassociateAddress", subject, async c =>
        {
            try
            {
                await clients.Ec2.DisassociateAddressAsync(request, c);
                return false;
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode is Ec2ErrorCodes.InvalidAssociationIDNotFound)
            {
                return true; // disassociated already, or replaced by a newer association: either way not ours to undo
            }
        });
        if (gone)
        {
            // Also what a replacement sees: the new association took the address over before this delete.
            await call.Log.InfoAsync($"{subject} was already gone (DisassociateAddress answered InvalidAssociationID.NotFound); the address is unchanged");
        }
        clients.Associations.Release(call, state.AddressId);
    }
}
