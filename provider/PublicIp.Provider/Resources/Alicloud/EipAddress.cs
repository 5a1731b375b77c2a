using System.Collections.Immutable;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Release;
using AliEip = PublicIp.Alibaba.EipAddress;

namespace PublicIp.Provider.Resources.Alicloud;

public sealed record EipAddressArgs(
    string? RegionId,
    int? Bandwidth,
    string InternetChargeType,
    string? Isp,
    string? Name,
    string? Description,
    string? ResourceGroupId,
    ImmutableSortedDictionary<string, string> Tags,
    string? InstanceId,
    string? InstanceType,
    string? PrivateIpAddress)
{
    /// <summary>Names that must no longer resolve to the address before Delete releases it; null: the provider's default.</summary>
    public IReadOnlyList<string>? ReleaseGuardDnsNames { get; init; }
}

public sealed record EipAddressState(
    string AllocationId,
    string IpAddress,
    string Status,
    string? ChargeType,
    string RegionId,
    int? Bandwidth,
    string? InternetChargeType,
    string? Isp,
    string? Name,
    string? Description,
    string? ResourceGroupId,
    ImmutableSortedDictionary<string, string> Tags,
    string? InstanceId,
    string? InstanceType,
    string? PrivateIpAddress);

/// <summary>publicip:alicloud:EipAddress — a VPC Elastic IP address, optionally associated with an instance, ENI, NAT gateway, SLB or HaVip.</summary>
public sealed class EipAddress(CloudClients clients) : Resource<EipAddressArgs, EipAddressState>
{
    public static readonly string[] ChargeTypes = ["PayByBandwidth", "PayByTraffic"];
    public static readonly string[] InstanceTypes = ["EcsInstance", "NetworkInterface", "Nat", "SlbInstance", "HaVip"];

    private static readonly string[] AssociationDetails = ["instanceType", "privateIpAddress"];

    private readonly AlibabaDiagnostics _diagnostics = new();

    public override string Token => "publicip:alicloud:EipAddress";

    public override IReadOnlyList<string> OutputProperties { get; } =
    [
        "allocationId", "ipAddress", "status", "chargeType", "regionId", "bandwidth", "internetChargeType", "isp", "name", "description",
        "resourceGroupId", "tags", "instanceId", "instanceType", "privateIpAddress",
    ];

    protected override IReadOnlySet<string> ReplaceOnChanges { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "isp", "internetChargeType", "resourceGroupId", "regionId",
    };

    protected override EipAddressArgs ReadArgs(InputReader r)
    {
        var args = new EipAddressArgs(
            RegionId: RegionIds.AlibabaInput(r),
            Bandwidth: r.Integer("bandwidth", 1, 10000),
            InternetChargeType: r.String("internetChargeType", allowed: ChargeTypes) ?? "PayByBandwidth",
            Isp: r.String("isp"),
            Name: r.String("name"),
            Description: r.String("description"),
            ResourceGroupId: r.String("resourceGroupId"),
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty,
            InstanceId: r.String("instanceId"),
            InstanceType: r.String("instanceType", allowed: InstanceTypes),
            PrivateIpAddress: r.String("privateIpAddress"))
        {
            ReleaseGuardDnsNames = r.StringList("releaseGuardDnsNames"),
        };
        ProviderConfig.CheckGuardNames(r, "releaseGuardDnsNames", args.ReleaseGuardDnsNames ?? []);
        if (args.InstanceId is null && !r.IsUnknown("instanceId"))
        {
            foreach (var dependent in AssociationDetails.Where(r.IsSet))
            {
                r.Fail(dependent, $"'{dependent}' needs 'instanceId' to say what the EIP is associated with");
            }
        }
        return args;
    }

    protected override PropertyMap WithDefaults(PropertyMap news, EipAddressArgs args)
    {
        var withDefaults = news.ContainsKey("internetChargeType") ? news : news.Set("internetChargeType", PropertyValue.Of(args.InternetChargeType));
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
        if (args.RegionId is null && !reader.IsUnknown("regionId") && clients.AlicloudRegion is null)
        {
            reader.Fail("regionId", "'regionId' is required when the provider has no alicloudRegion (set `publicip:alicloudRegion` or ALIBABA_CLOUD_REGION_ID)");
        }
        return Task.CompletedTask;
    }

    protected override EipAddressArgs ArgsFromInputs(PropertyMap inputs) => ReadArgs(new InputReader(inputs));

    protected override PropertyMap WriteArgs(EipAddressArgs a) => PropertyMap.Empty
        .SetIfNotNull("regionId", PropertyValue.Of(a.RegionId))
        .SetIfNotNull("bandwidth", a.Bandwidth is { } b ? PropertyValue.Of(b) : null)
        .Set("internetChargeType", PropertyValue.Of(a.InternetChargeType))
        .SetIfNotNull("isp", PropertyValue.Of(a.Isp))
        .SetIfNotNull("name", PropertyValue.Of(a.Name))
        .SetIfNotNull("description", PropertyValue.Of(a.Description))
        .SetIfNotNull("resourceGroupId", PropertyValue.Of(a.ResourceGroupId))
        .SetIfNotNull("tags", a.Tags.Count == 0 ? null : PropertyValue.Of(a.Tags))
        .SetIfNotNull("instanceId", PropertyValue.Of(a.InstanceId))
        .SetIfNotNull("instanceType", PropertyValue.Of(a.InstanceType))
        .SetIfNotNull("privateIpAddress", PropertyValue.Of(a.PrivateIpAddress))
        .SetIfNotNull("releaseGuardDnsNames", a.ReleaseGuardDnsNames is { } names ? PropertyValue.Of(names) : null);

    protected override EipAddressState ReadState(PropertyMap o)
    {
        var r = new InputReader(o);
        return new EipAddressState(
            AllocationId: r.String("allocationId") ?? "",
            IpAddress: r.String("ipAddress") ?? "",
            Status: r.String("status") ?? "",
            ChargeType: r.String("chargeType"),
            RegionId: r.String("regionId") ?? "",
            Bandwidth: r.Integer("bandwidth"),
            InternetChargeType: r.String("internetChargeType"),
            Isp: r.String("isp"),
            Name: r.String("name"),
            Description: r.String("description"),
            ResourceGroupId: r.String("resourceGroupId"),
            Tags: r.StringMap("tags") ?? ImmutableSortedDictionary<string, string>.Empty,
            InstanceId: r.String("instanceId"),
            InstanceType: r.String("instanceType"),
            PrivateIpAddress: r.String("privateIpAddress"));
    }

    protected override PropertyMap WriteState(EipAddressState s) => PropertyMap.Empty
        .Set("allocationId", PropertyValue.Of(s.AllocationId))
        .Set("ipAddress", PropertyValue.Of(s.IpAddress))
        .Set("status", PropertyValue.Of(s.Status))
        .Set("chargeType", PropertyValue.Of(s.ChargeType))
        .Set("regionId", PropertyValue.Of(s.RegionId))
        .Set("bandwidth", s.Bandwidth is { } b ? PropertyValue.Of(b) : PropertyValue.Null)
        .Set("internetChargeType", PropertyValue.Of(s.InternetChargeType))
        .Set("isp", PropertyValue.Of(s.Isp))
        .Set("name", PropertyValue.Of(s.Name))
        .Set("description", PropertyValue.Of(s.Description))
        .Set("resourceGroupId", PropertyValue.Of(s.ResourceGroupId))
        .Set("tags", PropertyValue.Of(s.Tags))
        .Set("instanceId", PropertyValue.Of(s.InstanceId))
        .Set("instanceType", PropertyValue.Of(s.InstanceType))
        .Set("privateIpAddress", PropertyValue.Of(s.PrivateIpAddress));

    private static EipAddressState StateOf(AliEip e, string regionId) => new(
        e.AllocationId, e.IpAddress, e.Status, e.ChargeType, regionId, e.Bandwidth, e.InternetChargeType, e.ISP, e.Name, e.Description,
        e.ResourceGroupId, e.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal), e.InstanceId, e.InstanceId is null ? null : e.InstanceType, e.PrivateIpAddress);

    // ---- preview ----------------------------------------------------------------------------------------------------

    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, EipAddressArgs args, PropertyMap inputs)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var ct = call.CancellationToken;
        // The VPC API models no DryRun for AllocateEipAddress or AssociateEipAddress: check what can be read instead.
        await _diagnostics.GuardAsync($"checking region {alibaba.RegionId}", () => alibaba.Vpc.DescribeEipAddressesAsync(new DescribeEipAddressesRequest(alibaba.RegionId, ""), ct));
        var checkedWhat = $"region {alibaba.RegionId}";
        if (args.InstanceId is { } instanceId && (args.InstanceType ?? EipFinder.InferInstanceType(instanceId)) == "EcsInstance")
        {
            var instance = await _diagnostics.GuardAsync($"checking instance {instanceId}", () => InstanceFinder.FindAsync(alibaba, instanceId, ct));
            if (instance is null)
            {
                throw _diagnostics.Diagnose("InvalidInstanceId.NotFound", $"associating the EIP with {instanceId}").ToException();
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
        var allocated = await _diagnostics.GuardAsync($"allocating an EIP in {alibaba.RegionId}", () => AlibabaRetry.RunAsync("AllocateEipAddress", AlibabaRetry.Allocate,
            c => alibaba.Vpc.AllocateEipAddressAsync(new AllocateEipAddressRequest(alibaba.RegionId)
            {
                Bandwidth = args.Bandwidth,
                InternetChargeType = args.InternetChargeType,
                ISP = args.Isp,
                Name = args.Name,
                Description = args.Description,
                ResourceGroupId = args.ResourceGroupId,
                Tags = args.Tags,
            }, c), alibaba, call.Log, ct));
        var state = new EipAddressState(allocated.AllocationId, allocated.EipAddress ?? "", "Available", "PostPaid", alibaba.RegionId, args.Bandwidth,
            args.InternetChargeType, args.Isp, args.Name, args.Description, args.ResourceGroupId, args.Tags, null, null, null);
        try
        {
            var live = await EipFinder.WaitAsync(alibaba, state.AllocationId, e => e is not null && e.Status is EipFinder.Available or EipFinder.InUse,
                "to become Available after AllocateEipAddress", call.Log, ct);
            state = StateOf(live!, alibaba.RegionId);
            if (args.InstanceId is { } instanceId)
            {
                state = await AssociateAsync(call, alibaba, state, args, instanceId);
            }
            return (state.AllocationId, state);
        }
        catch (Exception e) when (AlibabaDiagnostics.IsAlibabaFailure(e) || e is ResourceException or OperationCanceledException)
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
            }, c), alibaba, call.Log, ct));
        var live = await _diagnostics.GuardAsync(doing, () => EipFinder.WaitForStatusAsync(alibaba, state.AllocationId, EipFinder.InUse, call.Log, ct));
        return live is null
            ? throw _diagnostics.Diagnose("InvalidAllocationId.NotFound", doing).ToException()
            : StateOf(live, alibaba.RegionId);
    }

    // ---- read -------------------------------------------------------------------------------------------------------

    protected override async Task<Observed<EipAddressArgs, EipAddressState>?> ReadAsync(ResourceCall call, string id, EipAddressState? old, EipAddressArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(old?.RegionId is { Length: > 0 } r ? r : oldArgs?.RegionId);
        var live = await _diagnostics.GuardAsync($"reading EIP {id}", () => EipFinder.FindAsync(alibaba, id, call.CancellationToken));
        if (live is null)
        {
            return null;
        }
        var state = StateOf(live, alibaba.RegionId);
        // On import (no old inputs) every value is the program's; otherwise only what the program set, so defaults never show as drift.
        var import = oldArgs is null;
        var inputs = new EipAddressArgs(
            RegionId: alibaba.RegionId,
            Bandwidth: import || oldArgs!.Bandwidth is not null ? state.Bandwidth : null,
            InternetChargeType: state.InternetChargeType ?? oldArgs?.InternetChargeType ?? "PayByBandwidth",
            Isp: import || oldArgs!.Isp is not null ? state.Isp : null,
            Name: import || oldArgs!.Name is not null ? state.Name : null,
            Description: import || oldArgs!.Description is not null ? state.Description : null,
            ResourceGroupId: import || oldArgs!.ResourceGroupId is not null ? state.ResourceGroupId : null,
            Tags: state.Tags,
            InstanceId: state.InstanceId,
            InstanceType: state.InstanceType,
            PrivateIpAddress: oldArgs?.PrivateIpAddress is null ? null : state.PrivateIpAddress)
        {
            ReleaseGuardDnsNames = oldArgs?.ReleaseGuardDnsNames,
        };
        return new Observed<EipAddressArgs, EipAddressState>(id, state, inputs);
    }

    // ---- update -----------------------------------------------------------------------------------------------------

    protected override async Task<EipAddressState> UpdateAsync(ResourceCall call, string id, EipAddressState old, EipAddressArgs oldArgs, EipAddressArgs newArgs)
    {
        var alibaba = clients.Alibaba(old.RegionId);
        var ct = call.CancellationToken;
        var describe = $"EIP {old.IpAddress} ({id})";
        if (newArgs.Bandwidth != oldArgs.Bandwidth || newArgs.Name != oldArgs.Name || newArgs.Description != oldArgs.Description)
        {
            await _diagnostics.GuardAsync($"modifying {describe}", () => AlibabaRetry.RunAsync("ModifyEipAddressAttribute", AlibabaRetry.Modify,
                c => alibaba.Vpc.ModifyEipAddressAttributeAsync(new ModifyEipAddressAttributeRequest(id, alibaba.RegionId)
                {
                    Bandwidth = newArgs.Bandwidth != oldArgs.Bandwidth ? newArgs.Bandwidth : null,
                    Name = newArgs.Name != oldArgs.Name ? newArgs.Name ?? "" : null,
                    Description = newArgs.Description != oldArgs.Description ? newArgs.Description ?? "" : null,
                }, c), alibaba, call.Log, ct));
        }
        if (!newArgs.Tags.SequenceEqual(old.Tags))
        {
            var removed = old.Tags.Keys.Where(k => !newArgs.Tags.ContainsKey(k)).ToList();
            if (removed.Count > 0)
            {
                await _diagnostics.GuardAsync($"untagging {describe}", () => AlibabaRetry.RunAsync("UntagResources", AlibabaRetry.Modify,
                    c => alibaba.Vpc.UntagResourcesAsync(new UntagEipRequest(alibaba.RegionId, id, removed), c), alibaba, call.Log, ct));
            }
            var changed = newArgs.Tags.Where(t => !old.Tags.TryGetValue(t.Key, out var v) || v != t.Value).ToDictionary(StringComparer.Ordinal);
            if (changed.Count > 0)
            {
                await _diagnostics.GuardAsync($"tagging {describe}", () => AlibabaRetry.RunAsync("TagResources", AlibabaRetry.Modify,
                    c => alibaba.Vpc.TagResourcesAsync(new TagEipRequest(alibaba.RegionId, id, changed), c), alibaba, call.Log, ct));
            }
        }
        if (AssociationChanged(oldArgs, newArgs))
        {
            // Re-associate in place: unassociate the old holder and wait until Available, then associate and wait until InUse.
            var steps = new EipReleaseSteps(alibaba, id, call.Log, _diagnostics);
            var snapshot = await steps.ReadAsync(ct) ?? throw _diagnostics.Diagnose("InvalidAllocationId.NotFound", $"re-associating {describe}").ToException();
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
        var live = await _diagnostics.GuardAsync($"reading {describe}", () => EipFinder.FindAsync(alibaba, id, ct))
            ?? throw _diagnostics.Diagnose("InvalidAllocationId.NotFound", $"updating {describe}").ToException();
        return StateOf(live, alibaba.RegionId);
    }

    // ---- delete -----------------------------------------------------------------------------------------------------

    protected override Task DeleteAsync(ResourceCall call, string id, EipAddressState state, EipAddressArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(state.RegionId.Length > 0 ? state.RegionId : oldArgs?.RegionId);
        var recoverOptions = clients.Config.Alicloud.VpcEndpoint is { } endpoint ? [$"--config alicloudVpcEndpoint={endpoint}"] : Array.Empty<string>();
        return ReleaseWorkflow.RunAsync(new EipReleaseSteps(alibaba, id, call.Log, _diagnostics, recoverOptions), call, clients.Config.RehearseDeletes,
            ReleaseGuard.For(state.IpAddress, oldArgs?.ReleaseGuardDnsNames, clients));
    }

    private static bool AssociationChanged(EipAddressArgs oldArgs, EipAddressArgs newArgs) =>
        newArgs.InstanceId != oldArgs.InstanceId || newArgs.InstanceType != oldArgs.InstanceType || newArgs.PrivateIpAddress != oldArgs.PrivateIpAddress;

    /// <summary>A re-association moves the EIP through Unassociating/Associating: its final status is known only after the update.</summary>
    protected override Task<PropertyMap> PreviewUpdateAsync(ResourceCall call, string id, EipAddressState oldState, EipAddressArgs oldArgs, EipAddressArgs newArgs, PropertyMap news, PropertyMap outputs)
    {
        var reader = new InputReader(news);
        ReadArgs(reader);
        var targetUnknown = reader.Unknowns.Overlaps(["instanceId", "instanceType", "privateIpAddress"]);
        return Task.FromResult(targetUnknown || AssociationChanged(oldArgs, newArgs)
            ? outputs.Set("status", PropertyValue.Unknown())
            : outputs);
    }
}
