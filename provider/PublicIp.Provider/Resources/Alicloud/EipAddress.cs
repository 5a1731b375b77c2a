using System.Collections.Immutable;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using AliEip = PublicIp.Alibaba.EipAddress;

namespace PublicIp.Provider.Resources.Alicloud;

/// <summary>What the program asks for; every property is declared once in <see cref="EipAddress.Schema"/>.</summary>
public sealed record EipAddressArgs
{
    public string? RegionId { get; init; }
    public int? Bandwidth { get; init; }
    public string InternetChargeType { get; init; } = EipAddress.PayByBandwidth;
    public string? Isp { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? ResourceGroupId { get; init; }
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public string? InstanceId { get; init; }
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
    /// <summary>Names that must no longer resolve to the address before Delete releases it; null: the provider's default.</summary>
    public IReadOnlyList<string>? ReleaseGuardDnsNames { get; init; }
}

/// <summary>What the VPC API reports about the EIP.</summary>
public sealed record EipAddressState
{
    public string AllocationId { get; init; } = "";
    public string IpAddress { get; init; } = "";
    public string Status { get; init; } = "";
    public string? ChargeType { get; init; }
    public string RegionId { get; init; } = "";
    public int? Bandwidth { get; init; }
    public string? InternetChargeType { get; init; }
    public string? Isp { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? ResourceGroupId { get; init; }
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public string? InstanceId { get; init; }
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
}

/// <summary>publicip:alicloud:EipAddress — a VPC Elastic IP address, optionally associated with an instance, ENI, NAT gateway, SLB or HaVip.</summary>
public sealed class EipAddress(CloudClients clients) : Resource<EipAddressArgs, EipAddressState>
{
    public static readonly string[] ChargeTypes = ["PayByBandwidth", "PayByTraffic"];
    public static readonly string[] InstanceTypes = ["EcsInstance", "NetworkInterface", "Nat", "SlbInstance", "HaVip"];

    private static readonly string[] AssociationDetails = ["instanceType", "privateIpAddress"];

    private readonly AlibabaDiagnostics _diagnostics = new();

    public const string PayByBandwidth = "PayByBandwidth";

    private static readonly Declare<EipAddressArgs, EipAddressState> P = new();

    public static readonly Declaration<EipAddressArgs, EipAddressState> Schema = new(
        "publicip:alicloud:EipAddress",
        "An Alibaba Cloud VPC Elastic IP address, optionally associated with an ECS instance, ENI, NAT gateway, SLB instance or HaVip. Delete " +
        "unassociates it, waits until it is Available, releases it and waits until it is gone, retrying the EIP status conflicts; PrePaid and " +
        "deletion-protected EIPs fail with a remedy and stay in the stack.",
        P.String("allocationId", "The EIP's AllocationId (also the resource id).")
            .Output(s => s.AllocationId, (s, v) => s with { AllocationId = v ?? "" }, required: true),
        P.String("ipAddress", "The public IP address.")
            .Output(s => s.IpAddress, (s, v) => s with { IpAddress = v ?? "" }, required: true),
        P.String("status", "The EIP's status: Associating, Unassociating, InUse, Available or Releasing.")
            .Output(s => s.Status, (s, v) => s with { Status = v ?? "" }, required: true),
        P.String("chargeType", "How the EIP is billed: PostPaid (pay-as-you-go) or PrePaid (subscription; the API cannot release these).")
            .Output(s => s.ChargeType, (s, v) => s with { ChargeType = v }),
        P.String("regionId", "The region, e.g. cn-hangzhou. Defaults to the provider's alicloudRegion. Changing it replaces the resource.")
            .Input(a => a.RegionId, (a, v) => a with { RegionId = v })
            .Output(s => s.RegionId, (s, v) => s with { RegionId = v ?? "" }, required: true)
            .Check(region => RegionIds.IsAlibaba(region) ? null : RegionIds.AlibabaProblem("regionId", region!))
            .ReplaceOnChange().Computed(),
        P.Integer("bandwidth", "Peak bandwidth in Mbps. Changed in place (ModifyEipAddressAttribute).")
            .Input(a => a.Bandwidth, (a, v) => a with { Bandwidth = v })
            .Output(s => s.Bandwidth, (s, v) => s with { Bandwidth = v }, "Peak bandwidth in Mbps, as the VPC API reports it.")
            .Range(1, 10000).Computed(),
        P.String("internetChargeType", "`PayByBandwidth` (default) or `PayByTraffic`. Changing it replaces the EIP.")
            .Input(a => a.InternetChargeType, (a, v) => a with { InternetChargeType = v ?? PayByBandwidth })
            .Output(s => s.InternetChargeType, (s, v) => s with { InternetChargeType = v }, required: true)
            .Default(PayByBandwidth).Allowed(ChargeTypes).ReplaceOnChange(),
        P.String("isp", "The line type, e.g. BGP (default) or BGP_PRO. Changing it replaces the EIP.")
            .Input(a => a.Isp, (a, v) => a with { Isp = v })
            .Output(s => s.Isp, (s, v) => s with { Isp = v })
            .ReplaceOnChange().Computed(),
        P.String("name", "The EIP's name. Changed in place.")
            .Input(a => a.Name, (a, v) => a with { Name = v })
            .Output(s => s.Name, (s, v) => s with { Name = v }),
        P.String("description", "The EIP's description. Changed in place.")
            .Input(a => a.Description, (a, v) => a with { Description = v })
            .Output(s => s.Description, (s, v) => s with { Description = v }),
        P.String("resourceGroupId", "The resource group. Changing it replaces the EIP.")
            .Input(a => a.ResourceGroupId, (a, v) => a with { ResourceGroupId = v })
            .Output(s => s.ResourceGroupId, (s, v) => s with { ResourceGroupId = v })
            .ReplaceOnChange().Computed(),
        P.StringMap("tags", "Tags to apply to the EIP (TagResources / UntagResources).")
            .Input(a => a.Tags, (a, v) => a with { Tags = v })
            .Output(s => s.Tags, (s, v) => s with { Tags = v }, required: true),
        P.String("instanceId", "What to associate the EIP with: an ECS instance, ENI (eni-), NAT gateway (ngw-), SLB instance (lb-) or HaVip. " +
                "Changing it re-associates in place (unassociate, wait until Available, associate, wait until InUse); removing it unassociates. " +
                "Without instanceId the EIP's association is left alone (e.g. to a publicip:alicloud:EipAssociation): updates never unassociate it, " +
                "and refresh and import do not read it into the inputs.")
            .Input(a => a.InstanceId, (a, v) => a with { InstanceId = v })
            .Output(s => s.InstanceId, (s, v) => s with { InstanceId = v }, "What the EIP is associated with, as the VPC API reports it.")
            // Only when the program named one: an association it did not name is someone else's.
            .ReadBack((s, old) => old?.InstanceId is not null ? s.InstanceId : null)
            .MatchesReported(),
        P.String("instanceType", "The kind of instanceId: EcsInstance (default), NetworkInterface, Nat, SlbInstance or HaVip. Inferred as Nat for ngw- and SlbInstance for lb- ids.")
            .Input(a => a.InstanceType, (a, v) => a with { InstanceType = v })
            .Output(s => s.InstanceType, (s, v) => s with { InstanceType = v })
            .ReadBack((s, old) => old?.InstanceId is not null ? s.InstanceType : null)
            .Allowed(InstanceTypes).Computed(),
        P.String("privateIpAddress", "The private IP of the ENI or instance to associate with; defaults to the primary one.")
            .Input(a => a.PrivateIpAddress, (a, v) => a with { PrivateIpAddress = v })
            .Output(s => s.PrivateIpAddress, (s, v) => s with { PrivateIpAddress = v })
            .ReadBack((s, old) => old?.InstanceId is not null ? s.PrivateIpAddress : null)
            .Computed(),
        P.StringList("releaseGuardDnsNames", DnsGuard.PropertyDescription)
            .Input(a => a.ReleaseGuardDnsNames, (a, v) => a with { ReleaseGuardDnsNames = v }));

    public override Declaration<EipAddressArgs, EipAddressState> Declaration => Schema;

    protected override void Validate(EipAddressArgs args, InputReader r)
    {
        ProviderConfig.CheckGuardNames(r, "releaseGuardDnsNames", args.ReleaseGuardDnsNames ?? []);
        if (OwnershipMarks.ReservedKeyProblem(args.Tags.Keys) is { } reserved)
        {
            r.Fail("tags", reserved);
        }
        if (args.InstanceId is null && !r.IsUnknown("instanceId"))
        {
            foreach (var dependent in AssociationDetails.Where(r.IsSet))
            {
                r.Fail(dependent, $"'{dependent}' needs 'instanceId' to say what the EIP is associated with");
            }
        }
    }

    protected override PropertyMap WithDefaults(PropertyMap news, EipAddressArgs args)
    {
        var withDefaults = base.WithDefaults(news, args);
        if (args.InstanceId is not null && !news.ContainsKey("instanceType"))
        {
            withDefaults = withDefaults.Set("instanceType", PropertyValue.Of(EipFinder.InferInstanceType(args.InstanceId)));
        }
        if (!news.ContainsKey("regionId") && clients.AlicloudRegion is { } region)
        {
            withDefaults = withDefaults.Set("regionId", PropertyValue.Of(region));
        }
        return withDefaults;
    }

    protected override Task CheckWithCloudAsync(ResourceCall call, EipAddressArgs args, InputReader reader)
    {
        clients.CheckAlicloudRegion(reader, args.RegionId);
        return Task.CompletedTask;
    }

    internal static EipAddressState StateOf(AliEip e, string regionId) => new()
    {
        AllocationId = e.AllocationId, IpAddress = e.IpAddress, Status = e.Status, ChargeType = e.ChargeType, RegionId = regionId,
        Bandwidth = e.Bandwidth, InternetChargeType = e.InternetChargeType, Isp = e.ISP, Name = e.Name, Description = e.Description,
        ResourceGroupId = e.ResourceGroupId, Tags = OwnershipMarks.WithoutMarks(e.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal)),
        InstanceId = e.InstanceId, InstanceType = e.InstanceId is null ? null : e.InstanceType, PrivateIpAddress = e.PrivateIpAddress,
    };

    // ---- preview ----------------------------------------------------------------------------------------------------

    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, EipAddressArgs args, PropertyMap inputs)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var ct = call.CancellationToken;
        // The VPC API models no DryRun for AllocateEipAddress or AssociateEipAddress: check what can be read instead.
        await _diagnostics.GuardAsync($"checking region {alibaba.RegionId}", () => alibaba.Retry(call).RunAsync("DescribeEipAddresses", $"region {alibaba.RegionId}",
            c => alibaba.Vpc.DescribeEipAddressesAsync(new DescribeEipAddressesRequest(alibaba.RegionId, ""), c)));
        var checkedWhat = $"region {alibaba.RegionId}";
        if (args.InstanceId is { } instanceId && (args.InstanceType ?? EipFinder.InferInstanceType(instanceId)) == "EcsInstance")
        {
            var instance = await _diagnostics.GuardAsync($"checking instance {instanceId}", () => InstanceFinder.FindAsync(alibaba, instanceId, alibaba.Retry(call)));
            if (instance is null)
            {
                throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidInstanceIdNotFound, $"associating the EIP with {instanceId}").ToException();
            }
            if (!InstanceFinder.AllowsPublicIpChanges(instance))
            {
                await call.Log.WarningAsync($"instance {instanceId} is {instance.Status}; AssociateEipAddress needs it Running or Stopped, so up will wait for that");
            }
            checkedWhat += $" and instance {instanceId} ({instance.Status})";
        }
        await call.Log.InfoAsync($"preview checked {checkedWhat} read-only; the VPC API has no DryRun for AllocateEipAddress/AssociateEipAddress, so the calls themselves could not be rehearsed");
        return inputs;
    }

    // ---- create -----------------------------------------------------------------------------------------------------

    protected override async Task<(string Id, EipAddressState State)> CreateAsync(ResourceCall call, EipAddressArgs args)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var ct = call.CancellationToken;
        var allocated = await EipAllocation.AllocateAsync(clients, alibaba, call, new AllocateEipAddressRequest(alibaba.RegionId)
        {
            Bandwidth = args.Bandwidth,
            InternetChargeType = args.InternetChargeType,
            ISP = args.Isp,
            Name = args.Name,
            Description = args.Description,
            ResourceGroupId = args.ResourceGroupId,
            Tags = args.Tags,
        }, args.InstanceId, _diagnostics);
        var state = new EipAddressState
        {
            AllocationId = allocated.AllocationId, IpAddress = allocated.EipAddress ?? "", Status = "Available", ChargeType = "PostPaid",
            RegionId = alibaba.RegionId, Bandwidth = args.Bandwidth, InternetChargeType = args.InternetChargeType, Isp = args.Isp, Name = args.Name,
            Description = args.Description, ResourceGroupId = args.ResourceGroupId, Tags = args.Tags,
        };
        try
        {
            var live = await EipFinder.WaitAsync(alibaba, state.AllocationId, e => e is not null && e.Status is EipFinder.Available or EipFinder.InUse,
                "to become Available after AllocateEipAddress", alibaba.Retry(call));
            state = StateOf(live!, alibaba.RegionId);
            await ClaimAsync(call, state, args);
            // An adopted EIP may already be associated where the program wants it.
            if (args.InstanceId is { } instanceId && state.InstanceId != instanceId)
            {
                state = await AssociateAsync(call, alibaba, state, args, instanceId);
            }
            return (state.AllocationId, state);
        }
        catch (Exception e) when (AlibabaDiagnostics.Instance.IsCloudFailure(e) || e is ResourceException or OperationCanceledException)
        {
            var why = e switch
            {
                ResourceException r => r.Message,
                OperationCanceledException => "the operation was cancelled or ran out of time",
                _ => _diagnostics.Explain(e, "finishing it").Message,
            };
            throw InitFailed(state.AllocationId, state,
                $"allocated EIP {state.IpAddress} ({state.AllocationId}) but could not finish it: {why}; it is kept in the stack so the next up can finish it or destroy can release it", e);
        }
    }

    private async Task<EipAddressState> AssociateAsync(ResourceCall call, AlibabaClients alibaba, EipAddressState state, EipAddressArgs args, string instanceId)
    {
        var ct = call.CancellationToken;
        var instanceType = args.InstanceType ?? EipFinder.InferInstanceType(instanceId);
        var doing = $"associating EIP {state.IpAddress} ({state.AllocationId}) with {instanceType} {instanceId}";
        await call.Log.StatusAsync(doing);
        await _diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("AssociateEipAddress", AlibabaRetry.Associate,
            c => alibaba.Vpc.AssociateEipAddressAsync(new AssociateEipAddressRequest(state.AllocationId, instanceId, alibaba.RegionId)
            {
                InstanceType = instanceType,
                PrivateIpAddress = args.PrivateIpAddress,
            }, c), alibaba.Retry(call)));
        var live = await _diagnostics.GuardAsync(doing, () => EipFinder.WaitForStatusAsync(alibaba, state.AllocationId, EipFinder.InUse, alibaba.Retry(call)));
        return live is null
            ? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, doing).ToException()
            : StateOf(live, alibaba.RegionId);
    }

    // ---- read -------------------------------------------------------------------------------------------------------

    protected override async Task<Observed<EipAddressState>?> ReadAsync(ResourceCall call, string id, EipAddressState? old, EipAddressArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(old?.RegionId, oldArgs?.RegionId);
        var live = await _diagnostics.GuardAsync($"reading EIP {id}", () => EipFinder.FindAsync(alibaba, id, alibaba.Retry(call)));
        if (live is null)
        {
            return null;
        }
        var state = StateOf(live, alibaba.RegionId);
        await ClaimAsync(call, state, oldArgs);
        return new Observed<EipAddressState>(id, state);
    }

    // ---- update -----------------------------------------------------------------------------------------------------

    protected override async Task<EipAddressState> UpdateAsync(ResourceCall call, string id, EipAddressState old, EipAddressArgs oldArgs, EipAddressArgs newArgs)
    {
        var alibaba = clients.Alibaba(old.RegionId, oldArgs.RegionId);
        var ct = call.CancellationToken;
        var describe = $"EIP {old.IpAddress} ({id})";
        await ClaimAsync(call, old, newArgs);
        // Compared with what the VPC API reports, so an update that names the current values sends nothing.
        var bandwidth = newArgs.Bandwidth is { } b && b != old.Bandwidth ? newArgs.Bandwidth : null;
        var name = (newArgs.Name ?? "") != (old.Name ?? "") ? newArgs.Name ?? "" : null;
        var description = (newArgs.Description ?? "") != (old.Description ?? "") ? newArgs.Description ?? "" : null;
        if (bandwidth is not null || name is not null || description is not null)
        {
            await _diagnostics.GuardAsync($"modifying {describe}", () => AlibabaRetry.RunAsync("ModifyEipAddressAttribute", AlibabaRetry.Modify,
                c => alibaba.Vpc.ModifyEipAddressAttributeAsync(new ModifyEipAddressAttributeRequest(id, alibaba.RegionId)
                {
                    Bandwidth = bandwidth,
                    Name = name,
                    Description = description,
                }, c), alibaba.Retry(call)));
        }
        if (!newArgs.Tags.SequenceEqual(old.Tags))
        {
            var removed = old.Tags.Keys.Where(k => !newArgs.Tags.ContainsKey(k)).ToList();
            if (removed.Count > 0)
            {
                await _diagnostics.GuardAsync($"untagging {describe}", () => AlibabaRetry.RunAsync("UntagResources", AlibabaRetry.Modify,
                    c => alibaba.Vpc.UntagResourcesAsync(new UntagEipRequest(alibaba.RegionId, id, removed), c), alibaba.Retry(call)));
            }
            var changed = newArgs.Tags.Where(t => !old.Tags.TryGetValue(t.Key, out var v) || v != t.Value).ToDictionary(StringComparer.Ordinal);
            if (changed.Count > 0)
            {
                await _diagnostics.GuardAsync($"tagging {describe}", () => AlibabaRetry.RunAsync("TagResources", AlibabaRetry.Modify,
                    c => alibaba.Vpc.TagResourcesAsync(new TagEipRequest(alibaba.RegionId, id, changed), c), alibaba.Retry(call)));
            }
        }
        if (AssociationChanged(old, oldArgs, newArgs))
        {
            // Re-associate in place: unassociate the old holder and wait until Available, then associate and wait until InUse.
            var steps = new EipReleaseSteps(alibaba, id, call, _diagnostics);
            var snapshot = (await steps.ReadAsync(ct)).Address ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, $"re-associating {describe}").ToException();
            if (snapshot.IsAssociated)
            {
                await call.Log.StatusAsync($"unassociating {snapshot.Describe} from {snapshot.AssociatedWith}");
                await steps.DisassociateAsync(snapshot, dryRun: false, ct);
            }
            if (newArgs.InstanceId is { } instanceId)
            {
                return await AssociateAsync(call, alibaba, old, newArgs, instanceId);
            }
        }
        var live = await _diagnostics.GuardAsync($"reading {describe}", () => EipFinder.FindAsync(alibaba, id, alibaba.Retry(call)))
            ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidAllocationIdNotFound, $"updating {describe}").ToException();
        return StateOf(live, alibaba.RegionId);
    }

    // ---- delete -----------------------------------------------------------------------------------------------------

    protected override Task DeleteAsync(ResourceCall call, string id, EipAddressState state, EipAddressArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(state.RegionId, oldArgs?.RegionId);
        var recoverOptions = clients.Config.Alicloud.VpcEndpoint is { } endpoint ? [$"--config alicloudVpcEndpoint={endpoint}"] : Array.Empty<string>();
        return ReleaseWorkflow.RunAsync(new EipReleaseSteps(alibaba, id, call, _diagnostics, recoverOptions), call, clients.Config.RehearseDeletes,
            ReleaseGuard.For(state.IpAddress, oldArgs?.ReleaseGuardDnsNames, clients));
    }

    /// <summary>
    /// Whether the program asks for another association than the one the VPC API reports (unset details mean "as it is").
    /// A program without instanceId unassociates only what its previous program named: an EipAddress manages the
    /// association only while it names one, so it never fights an EipAssociation of the same EIP.
    /// </summary>
    private static bool AssociationChanged(EipAddressState state, EipAddressArgs oldArgs, EipAddressArgs args) =>
        args.InstanceId is null
            ? oldArgs.InstanceId is not null && state.InstanceId is not null
            : args.InstanceId != state.InstanceId
              || (args.InstanceType is { } type && type != state.InstanceType)
              || (args.PrivateIpAddress is { } ip && ip != state.PrivateIpAddress);

    private const string ClaimRemedy =
        "Manage it in one place: remove instanceId from the publicip:alicloud:EipAddress (it then leaves the association alone), or remove the publicip:alicloud:EipAssociation";

    /// <summary>Claims at every Diff too, so `pulumi preview` already warns about two resources managing one association.</summary>
    protected override Task DiffSeenAsync(ResourceCall call, string id, EipAddressState oldState, EipAddressArgs newArgs) => ClaimAsync(call, oldState, newArgs);

    /// <summary>Records (or drops) this resource's claim on the EIP's association; warns when another resource claims it too.</summary>
    private Task ClaimAsync(ResourceCall call, EipAddressState state, EipAddressArgs? args)
    {
        if (args?.InstanceId is null)
        {
            clients.Associations.Release(call, state.AllocationId);
            return Task.CompletedTask;
        }
        return clients.Associations.ClaimAsync(call, state.AllocationId, $"EIP {state.IpAddress} ({state.AllocationId})", ClaimRemedy);
    }

    /// <summary>A re-association moves the EIP through Unassociating/Associating: its final status is known only after the update.</summary>
    protected override Task<PropertyMap> PreviewUpdateAsync(ResourceCall call, string id, EipAddressState oldState, EipAddressArgs oldArgs, EipAddressArgs newArgs, PropertyMap news, PropertyMap outputs)
    {
        var reader = new InputReader(news);
        ReadArgs(reader);
        var targetUnknown = reader.Unknowns.Overlaps(["instanceId", "instanceType", "privateIpAddress"]);
        return Task.FromResult(targetUnknown || AssociationChanged(oldState, oldArgs, newArgs)
            ? outputs.Set("status", PropertyValue.Unknown())
            : outputs);
    }
}
