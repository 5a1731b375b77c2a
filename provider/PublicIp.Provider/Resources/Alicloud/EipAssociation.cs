using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using AliEip = PublicIp.Alibaba.EipAddress;

namespace PublicIp.Provider.Resources.Alicloud;

/// <summary>What the program asks for; every property is declared once in <see cref="EipAssociation.Schema"/>.</summary>
public sealed record EipAssociationArgs
{
    public string? AllocationId { get; init; }
    public string? InstanceId { get; init; }
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
    public string? RegionId { get; init; }
}

/// <summary>What the VPC API reports about the associated EIP.</summary>
public sealed record EipAssociationState
{
    public string AllocationId { get; init; } = "";
    public string InstanceId { get; init; } = "";
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
    public string RegionId { get; init; } = "";
    public string IpAddress { get; init; } = "";
    public string Status { get; init; } = "";

    /// <summary>Terraform's alicloud_eip_association id: the EIP and what it is associated with.</summary>
    public string Id => $"{AllocationId}:{InstanceId}";
}

/// <summary>
/// publicip:alicloud:EipAssociation — the association of an Alibaba Cloud EIP with an ECS instance, ENI, NAT gateway, SLB
/// instance or HaVip, managed apart from the EIP: Delete unassociates only, and the EIP stays allocated.
/// </summary>
public sealed class EipAssociation(CloudClients clients) : Resource<EipAssociationArgs, EipAssociationState>
{
    private readonly AlibabaDiagnostics _diagnostics = new();

    private static readonly Declare<EipAssociationArgs, EipAssociationState> P = new();

    public static readonly Declaration<EipAssociationArgs, EipAssociationState> Schema = new(
        "publicip:alicloud:EipAssociation",
        "The association of an Alibaba Cloud EIP with an ECS instance, ENI, NAT gateway, SLB instance or HaVip, managed apart from the EIP " +
        "(like alicloud_eip_association): the EIP outlives it. Create calls AssociateEipAddress and waits until the EIP is InUse; Delete calls " +
        "UnassociateEipAddress and waits until it is Available. Any change replaces the association, unassociating first (an EIP holds one " +
        "association at a time). Import by `<allocationId>:<instanceId>`. Give the publicip:alicloud:EipAddress of the same EIP no instanceId: " +
        "it then leaves the association to this resource.",
        P.String("allocationId", "The EIP's AllocationId (`eip-…`), e.g. an EipAddress's `allocationId`. Changing it replaces the association.")
            .Input(a => a.AllocationId, (a, v) => a with { AllocationId = v })
            .Output(s => s.AllocationId, (s, v) => s with { AllocationId = v ?? "" }, required: true)
            .Required().ReplaceOnChange(),
        P.String("instanceId", "What to associate the EIP with: an ECS instance, ENI (eni-), NAT gateway (ngw-), SLB instance (lb-) or HaVip. Changing it replaces the association.")
            .Input(a => a.InstanceId, (a, v) => a with { InstanceId = v })
            .Output(s => s.InstanceId, (s, v) => s with { InstanceId = v ?? "" }, required: true)
            .Required().ReplaceOnChange(),
        P.String("instanceType", "The kind of instanceId: EcsInstance (default), NetworkInterface, Nat, SlbInstance or HaVip; inferred as Nat for ngw- and " +
                "SlbInstance for lb- ids. Changing it replaces the association.")
            .Input(a => a.InstanceType, (a, v) => a with { InstanceType = v })
            .Output(s => s.InstanceType, (s, v) => s with { InstanceType = v }, "The kind of instance, as the VPC API reports it.")
            .Allowed(EipAddress.InstanceTypes).ReplaceOnChange().Computed(),
        P.String("privateIpAddress", "The private IP of the ENI or instance to associate with; the primary one when unset. Changing it replaces the association.")
            .Input(a => a.PrivateIpAddress, (a, v) => a with { PrivateIpAddress = v })
            .Output(s => s.PrivateIpAddress, (s, v) => s with { PrivateIpAddress = v }, "The private IP the VPC API reports the EIP mapped to.")
            .ReplaceOnChange().Computed(),
        P.String("regionId", "The region, e.g. cn-hangzhou. Defaults to the provider's alicloudRegion. Changing it replaces the association.")
            .Input(a => a.RegionId, (a, v) => a with { RegionId = v })
            .Output(s => s.RegionId, (s, v) => s with { RegionId = v ?? "" }, required: true)
            .Check(region => RegionIds.IsAlibaba(region) ? null : RegionIds.AlibabaProblem("regionId", region!))
            .ReplaceOnChange().Computed(),
        P.String("ipAddress", "The EIP's public IP address.")
            .Output(s => s.IpAddress, (s, v) => s with { IpAddress = v ?? "" }, required: true),
        P.String("status", "The EIP's status: InUse while associated.")
            .Output(s => s.Status, (s, v) => s with { Status = v ?? "" }, required: true));

    public override Declaration<EipAssociationArgs, EipAssociationState> Declaration => Schema;

    private const string Remedy = "Manage it in one place: remove instanceId from the publicip:alicloud:EipAddress (it then leaves the association alone), or remove this association";

    /// <summary>An EIP holds one association at a time: the old one has to go before the new one can be made.</summary>
    protected override bool DeleteBeforeReplace(EipAssociationState old, EipAssociationArgs newArgs) => true;

    protected override PropertyMap WithDefaults(PropertyMap news, EipAssociationArgs args)
    {
        var withDefaults = base.WithDefaults(news, args);
        if (args.InstanceId is not null && !news.ContainsKey("instanceType"))
        {
            withDefaults = withDefaults.Set("instanceType", PropertyValue.Of(EipFinder.InferInstanceType(args.InstanceId)));
        }
        return !news.ContainsKey("regionId") && clients.AlicloudRegion is { } region ? withDefaults.Set("regionId", PropertyValue.Of(region)) : withDefaults;
    }

    protected override Task CheckWithCloudAsync(ResourceCall call, EipAssociationArgs args, InputReader reader)
    {
        clients.CheckAlicloudRegion(reader, args.RegionId);
        return Task.CompletedTask;
    }

    private static EipAssociationState StateOf(AliEip e, string regionId) => new()
    {
        AllocationId = e.AllocationId, InstanceId = e.InstanceId ?? "", InstanceType = e.InstanceType, PrivateIpAddress = e.PrivateIpAddress,
        RegionId = regionId, IpAddress = e.IpAddress, Status = e.Status,
    };

    private string Subject(ResourceCall call, string allocationId, string? ipAddress = null) =>
        $"EIP {(ipAddress is { Length: > 0 } ip ? $"{ip} ({allocationId})" : allocationId)} of {Token} '{call.Name}'";

    private Task ClaimAsync(ResourceCall call, EipAssociationState state) =>
        clients.Associations.ClaimAsync(call, state.AllocationId, $"EIP {state.IpAddress} ({state.AllocationId})", Remedy);

    /// <summary>Claims at every Diff too, so `pulumi preview` already warns about two resources managing one association.</summary>
    protected override Task DiffSeenAsync(ResourceCall call, string id, EipAssociationState oldState, EipAssociationArgs newArgs) => ClaimAsync(call, oldState);

    /// <summary>The EIP once it is out of Associating/Unassociating (the API refuses both calls mid-transition); null when it does not exist.</summary>
    private async Task<AliEip?> SettledAsync(ResourceCall call, AlibabaClients alibaba, string allocationId)
    {
        var eip = await _diagnostics.GuardAsync($"reading EIP {allocationId}", () => EipFinder.FindAsync(alibaba, allocationId, alibaba.Retry(call)));
        return eip is not null && EipFinder.IsTransitional(eip.Status)
            ? await _diagnostics.GuardAsync($"waiting for EIP {allocationId}", () => EipFinder.WaitUntilSettledAsync(alibaba, allocationId, alibaba.Retry(call)))
            : eip;
    }

    /// <summary>The VPC API has no DryRun for AssociateEipAddress: preview reads the EIP and the ECS instance instead.</summary>
    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, EipAssociationArgs args, PropertyMap inputs)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var checkedWhat = new List<string>();
        if (args.AllocationId is { } allocationId)
        {
            var eip = await _diagnostics.GuardAsync($"reading EIP {allocationId}", () => EipFinder.FindAsync(alibaba, allocationId, alibaba.Retry(call)))
                ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, $"associating {Subject(call, allocationId)}").ToException();
            if (eip.InstanceId is { } holder && holder != args.InstanceId)
            {
                await call.Log.WarningAsync($"{Subject(call, allocationId, eip.IpAddress)} is associated with {eip.InstanceType} {holder}; up will fail unless it is unassociated first");
            }
            checkedWhat.Add($"EIP {allocationId} ({eip.Status})");
            await clients.Associations.ClaimAsync(call, allocationId, $"EIP {eip.IpAddress} ({allocationId})", Remedy);
        }
        if (args.InstanceId is { } instanceId && (args.InstanceType ?? EipFinder.InferInstanceType(instanceId)) == "EcsInstance")
        {
            var instance = await _diagnostics.GuardAsync($"checking instance {instanceId}", () => InstanceFinder.FindAsync(alibaba, instanceId, alibaba.Retry(call)))
                ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidInstanceIdNotFound, $"associating an EIP with {instanceId}").ToException();
            checkedWhat.Add($"instance {instanceId} ({instance.Status})");
        }
        await call.Log.InfoAsync($"preview checked {(checkedWhat.Count > 0 ? string.Join(" and ", checkedWhat) : "nothing yet (the EIP and instance are not known)")} read-only; " +
            "the VPC API has no DryRun for AssociateEipAddress, so the call itself could not be rehearsed");
        return inputs;
    }

    protected override async Task<(string Id, EipAssociationState State)> CreateAsync(ResourceCall call, EipAssociationArgs args)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        // Check makes both required; an engine that sends unchecked inputs still gets an answer naming the property.
        var allocationId = args.AllocationId ?? throw new ResourceException(FailureKind.InvalidInput, "'allocationId' is required");
        var instanceId = args.InstanceId ?? throw new ResourceException(FailureKind.InvalidInput, "'instanceId' is required");
        var instanceType = args.InstanceType ?? EipFinder.InferInstanceType(instanceId);
        var eip = await SettledAsync(call, alibaba, allocationId)
            ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, $"associating {Subject(call, allocationId)}").ToException();
        var doing = $"associating {Subject(call, allocationId, eip.IpAddress)} with {instanceType} {instanceId}";
        if (eip.InstanceId is { } holder && holder != instanceId)
        {
            // AssociateEipAddress would answer IncorrectEipStatus until the deadline: say at once what holds it.
            throw new ResourceException(FailureKind.FailedPrecondition,
                $"{doing} failed: the EIP is associated with {eip.InstanceType} {holder}. An EIP holds one association at a time: unassociate it " +
                "(remove the other EipAssociation, or instanceId from its EipAddress), then run `pulumi up` again");
        }
        if (eip.InstanceId is null)
        {
            await call.Log.StatusAsync(doing);
            await _diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("AssociateEipAddress", AlibabaRetry.Associate,
                c => alibaba.Vpc.AssociateEipAddressAsync(new AssociateEipAddressRequest(allocationId, instanceId, alibaba.RegionId)
                {
                    InstanceType = instanceType,
                    PrivateIpAddress = args.PrivateIpAddress,
                }, c), alibaba.Retry(call)));
            eip = await _diagnostics.GuardAsync(doing, () => EipFinder.WaitForStatusAsync(alibaba, allocationId, EipFinder.InUse, alibaba.Retry(call)))
                ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, doing).ToException();
        }
        var state = StateOf(eip, alibaba.RegionId);
        await ClaimAsync(call, state);
        return (state.Id, state);
    }

    protected override async Task<Observed<EipAssociationState>?> ReadAsync(ResourceCall call, string id, EipAssociationState? old, EipAssociationArgs? oldArgs)
    {
        var parts = id.Split(':');
        if (parts is not [{ Length: > 0 } allocationId, { Length: > 0 } instanceId])
        {
            throw new ResourceException(FailureKind.InvalidInput,
                $"'{id}' is not an id of {Token}: import it as <allocationId>:<instanceId>, e.g. eip-bp1abc:i-bp1xyz");
        }
        var alibaba = clients.Alibaba(old?.RegionId, oldArgs?.RegionId);
        var eip = await _diagnostics.GuardAsync($"reading EIP {allocationId}", () => EipFinder.FindAsync(alibaba, allocationId, alibaba.Retry(call)));
        if (eip is null || eip.InstanceId != instanceId)
        {
            if (old is not null)
            {
                await call.Log.WarningAsync($"{Subject(call, allocationId, old.IpAddress)} is no longer associated with {instanceId} " +
                    $"({(eip is null ? "the EIP was released" : eip.InstanceId is null ? "unassociated" : $"now with {eip.InstanceId}")} outside this stack); it leaves the stack");
            }
            return null;
        }
        var state = StateOf(eip, alibaba.RegionId);
        await ClaimAsync(call, state);
        return new Observed<EipAssociationState>(state.Id, state);
    }

    /// <summary>Every input replaces the association: an update has nothing to send.</summary>
    protected override async Task<EipAssociationState> UpdateAsync(ResourceCall call, string id, EipAssociationState old, EipAssociationArgs oldArgs, EipAssociationArgs newArgs)
    {
        await ClaimAsync(call, old);
        return old;
    }

    /// <summary>UnassociateEipAddress and wait until Available; the EIP stays allocated. Only while it is still associated with our instance.</summary>
    protected override async Task DeleteAsync(ResourceCall call, string id, EipAssociationState state, EipAssociationArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(state.RegionId, oldArgs?.RegionId);
        var subject = Subject(call, state.AllocationId, state.IpAddress);
        var eip = await SettledAsync(call, alibaba, state.AllocationId);
        if (eip is null || eip.InstanceId != state.InstanceId)
        {
            await call.Log.WarningAsync($"{subject} is no longer associated with {state.InstanceId} (unassociated or released outside this stack); nothing to do");
            clients.Associations.Release(call, state.AllocationId);
            return;
        }
        var doing = $"unassociating {subject} from {eip.InstanceType} {eip.InstanceId}";
        if (clients.Config.RehearseDeletes)
        {
            var summary = $"destroy rehearsal (rehearseDeletes is on): would be {doing} and leave the EIP allocated; the VPC API has no DryRun for " +
                "UnassociateEipAddress, so only its status was checked, read-only. Nothing was changed and the resource stays in the stack";
            await call.Log.InfoAsync(summary);
            throw new ResourceException(FailureKind.FailedPrecondition, summary);
        }
        await call.Log.StatusAsync(doing);
        await _diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("UnassociateEipAddress", AlibabaRetry.Unassociate, async c =>
        {
            try
            {
                await alibaba.Vpc.UnassociateEipAddressAsync(new UnassociateEipAddressRequest(state.AllocationId, alibaba.RegionId)
                {
                    InstanceId = eip.InstanceId,
                    InstanceType = eip.InstanceType,
                    PrivateIpAddress = eip.PrivateIpAddress,
                }, c);
            }
            catch (AlibabaApiException e) when (e.Code is AlibabaErrorCodes.IncorrectEipStatus or AlibabaErrorCodes.InvalidAllocationIdNotFound)
            {
                // Someone may have unassociated (or released) it meanwhile: that is the goal, not a failure.
                var now = await EipFinder.FindAsync(alibaba, state.AllocationId, alibaba.Retry(call));
                if (now is not null && now.InstanceId == state.InstanceId)
                {
                    throw;
                }
            }
        }, alibaba.Retry(call)));
        await _diagnostics.GuardAsync(doing, () => EipFinder.WaitAsync(alibaba, state.AllocationId, e => e is null || e.Status == EipFinder.Available,
            "to become Available after UnassociateEipAddress", alibaba.Retry(call)));
        clients.Associations.Release(call, state.AllocationId);
    }
}
