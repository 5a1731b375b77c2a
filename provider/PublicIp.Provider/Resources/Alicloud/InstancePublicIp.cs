using System.Globalization;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Release;

namespace PublicIp.Provider.Resources.Alicloud;

/// <summary>What the program asks for; every property is declared once in <see cref="InstancePublicIp.Schema"/>.</summary>
public sealed record InstancePublicIpArgs
{
    public string InstanceId { get; init; } = "";
    public string? RegionId { get; init; }
    public string? IpAddress { get; init; }
    public string VpcRelease { get; init; } = InstancePublicIp.Fail;
    /// <summary>Names that must no longer resolve to the address before Delete releases it; null: the provider's default.</summary>
    public IReadOnlyList<string>? ReleaseGuardDnsNames { get; init; }
}

/// <summary>What ECS reports about the instance's public IP.</summary>
public sealed record InstancePublicIpState
{
    public string InstanceId { get; init; } = "";
    public string RegionId { get; init; } = "";
    public string IpAddress { get; init; } = "";
    public string VpcRelease { get; init; } = InstancePublicIp.Fail;
    public string? InstanceNetworkType { get; init; }
}

/// <summary>
/// publicip:alicloud:InstancePublicIp — the classic public IP of an ECS instance (AllocatePublicIpAddress /
/// ReleasePublicIpAddress). The id is the instance id: ECS gives an instance at most one such address.
/// </summary>
public sealed class InstancePublicIp(CloudClients clients) : Resource<InstancePublicIpArgs, InstancePublicIpState>
{
    public const string Fail = "fail";
    public const string ConvertToEip = "convertToEip";

    private readonly AlibabaDiagnostics _diagnostics = new();

    // Once per provider process (this object lives as long as the provider), not per resource: one warning is enough.
    private int _deprecationWarned;

    private static readonly Declare<InstancePublicIpArgs, InstancePublicIpState> P = new();

    public static readonly Declaration<InstancePublicIpArgs, InstancePublicIpState> Schema = new(
        "publicip:alicloud:InstancePublicIp",
        "The classic public IP of an Alibaba Cloud ECS instance (AllocatePublicIpAddress / ReleasePublicIpAddress; both deprecated by ECS with no " +
        "replacement). The id is the instance id. Delete runs ReleasePublicIpAddress; on a VPC instance a refused release either fails with a remedy " +
        "or, with vpcRelease=convertToEip, converts the address to an EIP and releases that.",
        P.String("instanceId", "The ECS instance whose classic public IP this is (AllocatePublicIpAddress). Changing it replaces the resource.")
            .Input(a => a.InstanceId, (a, v) => a with { InstanceId = v ?? "" })
            .Output(s => s.InstanceId, (s, v) => s with { InstanceId = v ?? "" }, required: true)
            .Required().ReplaceOnChange(),
        P.String("regionId", "The region, e.g. cn-hangzhou. Defaults to the provider's alicloudRegion. Changing it replaces the resource.")
            .Input(a => a.RegionId, (a, v) => a with { RegionId = v })
            .Output(s => s.RegionId, (s, v) => s with { RegionId = v ?? "" }, required: true)
            .Check(region => RegionIds.IsAlibaba(region) ? null : RegionIds.AlibabaProblem("regionId", region!))
            .ReplaceOnChange().Computed(),
        P.String("ipAddress", "A specific address to allocate (allow-listed accounts only). Changing it replaces the resource.")
            .Input(a => a.IpAddress, (a, v) => a with { IpAddress = v })
            .Output(s => s.IpAddress, (s, v) => s with { IpAddress = v ?? "" }, "The public IP address ECS allocated.", required: true)
            .ReplaceOnChange().Computed(),
        P.String("vpcRelease", "What destroy does when ECS refuses ReleasePublicIpAddress on a VPC instance (OperationDenied, Forbidden.ExceedDuration): " +
                "`fail` (default) stops with an error and keeps the resource; `convertToEip` runs ConvertNatPublicIpToEip and then unassociates and releases that EIP.")
            .Input(a => a.VpcRelease, (a, v) => a with { VpcRelease = v ?? Fail })
            .Output(s => s.VpcRelease, (s, v) => s with { VpcRelease = v ?? Fail }, required: true)
            .Default(Fail).Allowed(Fail, ConvertToEip).ProviderSide(),
        P.StringList("releaseGuardDnsNames", DnsGuard.PropertyDescription)
            .Input(a => a.ReleaseGuardDnsNames, (a, v) => a with { ReleaseGuardDnsNames = v }),
        P.String("instanceNetworkType", "The instance's network type as ECS reports it: `classic` or `vpc`.")
            .Output(s => s.InstanceNetworkType, (s, v) => s with { InstanceNetworkType = v }));

    public override Declaration<InstancePublicIpArgs, InstancePublicIpState> Declaration => Schema;

    protected override void Validate(InstancePublicIpArgs args, InputReader r) =>
        ProviderConfig.CheckGuardNames(r, "releaseGuardDnsNames", args.ReleaseGuardDnsNames ?? []);

    /// <summary>ECS gives an instance one public IP: a replacement on the same instance, or of the same IP, must release first.</summary>
    protected override bool DeleteBeforeReplace(InstancePublicIpState old, InstancePublicIpArgs newArgs) =>
        newArgs.InstanceId == old.InstanceId || (newArgs.IpAddress is { } pinned && pinned == old.IpAddress);

    protected override PropertyMap WithDefaults(PropertyMap news, InstancePublicIpArgs args)
    {
        var withDefaults = base.WithDefaults(news, args);
        return news.ContainsKey("regionId") || clients.AlicloudRegion is not { } region ? withDefaults : withDefaults.Set("regionId", PropertyValue.Of(region));
    }

    protected override async Task CheckWithCloudAsync(ResourceCall call, InstancePublicIpArgs args, InputReader reader)
    {
        await WarnDeprecatedOnceAsync(call);
        clients.CheckAlicloudRegion(reader, args.RegionId);
    }

    private async Task WarnDeprecatedOnceAsync(ResourceCall call)
    {
        if (Interlocked.Exchange(ref _deprecationWarned, 1) == 0)
        {
            await call.Log.WarningAsync("ECS has deprecated AllocatePublicIpAddress/ReleasePublicIpAddress and offers no replacement API; " +
                "publicip:alicloud:InstancePublicIp keeps working while ECS accepts the calls. For new stacks prefer publicip:alicloud:EipAddress");
        }
    }

    private Task<EcsInstance?> FindInstanceAsync(AlibabaClients alibaba, string instanceId, ResourceCall call) =>
        _diagnostics.GuardAsync($"reading instance {instanceId}", () => InstanceFinder.FindAsync(alibaba, instanceId, alibaba.Retry(call)));

    // ---- preview ----------------------------------------------------------------------------------------------------

    protected override async Task<PropertyMap> PreviewCreateAsync(ResourceCall call, InstancePublicIpArgs args, PropertyMap inputs)
    {
        if (args.InstanceId.Length == 0)
        {
            return inputs; // the instance is created by the same program: nothing to look at yet
        }
        var alibaba = clients.Alibaba(args.RegionId);
        var instance = await FindInstanceAsync(alibaba, args.InstanceId, call)
            ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidInstanceIdNotFound, $"allocating a public IP for {args.InstanceId} in {alibaba.RegionId}").ToException();
        foreach (var problem in Preflight(instance, args.VpcRelease, alibaba.Time.GetUtcNow()))
        {
            await call.Log.WarningAsync(problem.Message);
        }
        await call.Log.InfoAsync($"preview checked instance {instance.InstanceId} read-only ({instance.Status}, {instance.InstanceNetworkType} network, created " +
            $"{Created(instance)}); ReleasePublicIpAddress has no DryRun, so the eventual release could not be rehearsed");
        return inputs;
    }

    /// <summary>What a release would run into, read without changing anything.</summary>
    private List<Diagnostic> Preflight(EcsInstance instance, string vpcRelease, DateTimeOffset now)
    {
        var doing = $"releasing the public IP of {instance.InstanceId}";
        var problems = new List<Diagnostic>();
        if (InstanceFinder.IsSecurityLocked(instance))
        {
            problems.Add(_diagnostics.Diagnose(AlibabaErrorCodes.InstanceLockedForSecurity, doing));
        }
        if (!InstanceFinder.AllowsPublicIpChanges(instance))
        {
            problems.Add(_diagnostics.Diagnose(AlibabaErrorCodes.IncorrectInstanceStatus, $"{doing} (the instance is {instance.Status})"));
        }
        if (instance.IsVpc && vpcRelease == Fail)
        {
            problems.Add(InstanceNetworkProblem(instance, doing, now));
        }
        return problems;
    }

    private Diagnostic InstanceNetworkProblem(EcsInstance instance, string doing, DateTimeOffset now) =>
        InstanceFinder.NatReleaseWindowPassed(instance, now)
            ? _diagnostics.Diagnose(AlibabaErrorCodes.ForbiddenExceedDuration, $"{doing} (a VPC instance, created {Created(instance)}, more than 6 hours ago)")
            : _diagnostics.Diagnose(AlibabaErrorCodes.OperationDenied, $"{doing} (a VPC instance with vpcRelease \"fail\": ECS may refuse the release)");

    private static string Created(EcsInstance instance) =>
        instance.CreationTime?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "at an unknown time";

    // ---- create -----------------------------------------------------------------------------------------------------

    protected override async Task<(string Id, InstancePublicIpState State)> CreateAsync(ResourceCall call, InstancePublicIpArgs args)
    {
        var alibaba = clients.Alibaba(args.RegionId);
        var ct = call.CancellationToken;
        var doing = $"allocating a public IP for {args.InstanceId}";
        var instance = await FindInstanceAsync(alibaba, args.InstanceId, call)
            ?? throw _diagnostics.Diagnose(AlibabaErrorCodes.InvalidInstanceIdNotFound, $"{doing} in {alibaba.RegionId}").ToException();
        var existing = instance.PublicIpAddresses.Count > 0 ? instance.PublicIpAddresses[0] : null;
        if (args.IpAddress is { } wanted && existing is not null && existing != wanted)
        {
            // A repeat AllocatePublicIpAddress returns the address the instance has, not the one asked for.
            throw new ResourceException(FailureKind.AlreadyExists,
                $"{doing}: the instance already has public IP {existing}, and ECS gives an instance only one; to get {wanted}, destroy the resource " +
                "that holds the current address first (or set the resource option deleteBeforeReplace) [AllocatedAlready]");
        }
        var ip = await _diagnostics.GuardAsync(doing, () => alibaba.Retry(call).RunAsync("AllocatePublicIpAddress", $"instance {args.InstanceId}",
            c => alibaba.Ecs.AllocatePublicIpAddressAsync(new AllocatePublicIpAddressRequest(args.InstanceId, args.IpAddress), c)));
        if (ip == existing)
        {
            await call.Log.InfoAsync($"instance {args.InstanceId} already had public IP {ip}; ECS returned it and the stack now manages it");
        }
        await call.Log.InfoAsync($"public IP {ip} takes effect after instance {args.InstanceId} is started or rebooted");
        return (args.InstanceId, new InstancePublicIpState
        {
            InstanceId = args.InstanceId, RegionId = alibaba.RegionId, IpAddress = ip, VpcRelease = args.VpcRelease, InstanceNetworkType = instance.InstanceNetworkType,
        });
    }

    // ---- read -------------------------------------------------------------------------------------------------------

    protected override async Task<Observed<InstancePublicIpState>?> ReadAsync(ResourceCall call, string id, InstancePublicIpState? old,
        InstancePublicIpArgs? oldArgs)
    {
        var alibaba = clients.Alibaba(old?.RegionId, oldArgs?.RegionId);
        var instance = await FindInstanceAsync(alibaba, id, call);
        // A stack's address is gone when its instance is, or when the instance no longer lists it; an import takes what is there.
        var ip = old?.IpAddress is { Length: > 0 } known
            ? instance?.PublicIpAddresses.FirstOrDefault(a => a == known)
            : instance is { PublicIpAddresses.Count: > 0 } ? instance.PublicIpAddresses[0] : null;
        if (instance is null || ip is null)
        {
            return null;
        }
        var vpcRelease = old?.VpcRelease ?? oldArgs?.VpcRelease ?? Fail;
        var state = new InstancePublicIpState
        {
            InstanceId = id, RegionId = alibaba.RegionId, IpAddress = ip, VpcRelease = vpcRelease, InstanceNetworkType = instance.InstanceNetworkType,
        };
        return new Observed<InstancePublicIpState>(id, state);
    }

    protected override Task<InstancePublicIpState> UpdateAsync(ResourceCall call, string id, InstancePublicIpState old, InstancePublicIpArgs oldArgs,
        InstancePublicIpArgs newArgs) =>
        // Only vpcRelease can change in place; it is a provider-side choice that the next destroy reads from state.
        Task.FromResult(old with { VpcRelease = newArgs.VpcRelease });

    // ---- delete -----------------------------------------------------------------------------------------------------

    protected override async Task DeleteAsync(ResourceCall call, string id, InstancePublicIpState state, InstancePublicIpArgs? oldArgs)
    {
        await WarnDeprecatedOnceAsync(call);
        var alibaba = clients.Alibaba(state.RegionId, oldArgs?.RegionId);
        var vpcRelease = oldArgs?.VpcRelease ?? state.VpcRelease;
        await ReleaseWorkflow.RunAsync(new ReleaseSteps(this, alibaba, state with { VpcRelease = vpcRelease }, call), call, clients.Config.RehearseDeletes,
            ReleaseGuard.For(state.IpAddress, oldArgs?.ReleaseGuardDnsNames, clients));
    }

    /// <summary>ReleasePublicIpAddress has nothing to disassociate; a denied release on a VPC instance may go through an EIP.</summary>
    /// <remarks>The snapshot carries the instance as the read found it: the release and its preflight judge that instance.</remarks>
    private sealed class ReleaseSteps(InstancePublicIp resource, AlibabaClients alibaba, InstancePublicIpState state, ResourceCall call) : IReleaseSteps<EcsInstance>
    {
        private readonly AlibabaDiagnostics _diagnostics = resource._diagnostics;

        // The ECS API reference says of ReleasePublicIpAddress's DryRun "This parameter is not yet available": a cloud
        // that ignores it would release for real, so a rehearsal never sends it. The converted EIP's calls have none either.
        public bool RehearsesWithCloudDryRun => false;

        public async Task<AddressRead<EcsInstance>> ReadAsync(CancellationToken ct)
        {
            var instance = await resource.FindInstanceAsync(alibaba, state.InstanceId, call);
            if (instance is null)
            {
                return new AddressGone($"instance {state.InstanceId} no longer exists, and its public IP {state.IpAddress} went with it; removing it from the stack");
            }
            if (instance.EipAllocationId is { } converted && instance.EipAddress == state.IpAddress)
            {
                // An earlier destroy converted the address to an EIP and then stopped: finish with that EIP, or it would leak.
                return new AddressSnapshot<EcsInstance>(converted, $"public IP {state.IpAddress} of {state.InstanceId}, converted to EIP {converted}", null, instance);
            }
            return instance.PublicIpAddresses.Contains(state.IpAddress)
                ? new AddressSnapshot<EcsInstance>(state.InstanceId, $"public IP {state.IpAddress} of {state.InstanceId}", null, instance)
                : new AddressGone($"public IP {state.IpAddress} of instance {state.InstanceId} was already gone (released outside this stack); removing it from the stack");
        }

        public Task<ReleaseProgress> DisassociateAsync(AddressSnapshot<EcsInstance> address, bool dryRun, CancellationToken ct) => Task.FromResult(ReleaseProgress.None);

        public async Task<ReleaseProgress> ReleaseAsync(AddressSnapshot<EcsInstance> address, ReleaseProgress progress, bool dryRun, CancellationToken ct)
        {
            var instance = address.Live;
            var doing = $"releasing {address.Describe}";
            if (address.Id != state.InstanceId)
            {
                await ReleaseConvertedEipAsync(address.Id, dryRun);
                return progress;
            }
            if (dryRun)
            {
                var problems = resource.Preflight(instance, state.VpcRelease, alibaba.Time.GetUtcNow());
                if (problems.Count > 0)
                {
                    throw new ResourceException(problems[0].Entry.Kind,
                        "destroy rehearsal (rehearseDeletes is on) found that the release would fail: " + string.Join(" | ", problems.Select(p => p.Message)) +
                        ". Nothing was changed and the resource stays in the stack");
                }
                await RehearseReleaseAsync(instance);
                return progress;
            }
            try
            {
                await alibaba.Retry(call).RunAsync("ReleasePublicIpAddress", $"instance {state.InstanceId}",
                    c => alibaba.Ecs.ReleasePublicIpAddressAsync(new ReleasePublicIpAddressRequest(state.IpAddress, state.InstanceId, alibaba.RegionId), c));
            }
            catch (AlibabaApiException e) when (e.Code is AlibabaErrorCodes.InvalidIpAddressNotFound or AlibabaErrorCodes.InvalidInstanceIdNotFound)
            {
                var now = await resource.FindInstanceAsync(alibaba, state.InstanceId, call);
                if (now is not null && now.PublicIpAddresses.Contains(state.IpAddress))
                {
                    throw _diagnostics.Fail(e, doing);
                }
                await call.Log.WarningAsync($"{address.Describe} was already released ({e.Code}); removing it from the stack");
                return progress with { AlreadyGone = true };
            }
            catch (AlibabaApiException e) when (e.Code is AlibabaErrorCodes.OperationDenied or AlibabaErrorCodes.ForbiddenExceedDuration && instance.IsVpc)
            {
                if (state.VpcRelease != ConvertToEip)
                {
                    var context = e.Code == AlibabaErrorCodes.ForbiddenExceedDuration ? $"instance {instance.InstanceId} was created {Created(instance)}" : null;
                    throw _diagnostics.Fail(e, doing, context);
                }
                await ConvertAndReleaseAsync(instance, e.Code, ct);
            }
            catch (AlibabaApiException e) when (e.Code == AlibabaErrorCodes.ForbiddenExceedDuration)
            {
                throw _diagnostics.Fail(e, doing, $"instance {instance.InstanceId} was created {Created(instance)}");
            }
            catch (AlibabaApiException e) when (e.Code == AlibabaErrorCodes.IncorrectInstanceStatus)
            {
                throw _diagnostics.Fail(e, doing, $"instance {instance.InstanceId} is {instance.Status}");
            }
            catch (Exception e) when (AlibabaDiagnostics.Instance.IsCloudFailure(e))
            {
                throw _diagnostics.Fail(e, doing);
            }
            return progress;
        }

        /// <summary>
        /// A rehearsal sends nothing that can change anything: ReleasePublicIpAddress's DryRun is "not yet available" per
        /// the ECS API reference, so the read-only preflight (already passed) is all there is, and the summary says so.
        /// </summary>
        private async Task RehearseReleaseAsync(EcsInstance instance)
        {
            await call.Log.InfoAsync($"rehearsal: ReleasePublicIpAddress for {state.IpAddress} of {instance.InstanceId} was not sent: the ECS API reference " +
                "says its DryRun is not yet available, so ECS could release the address for real; only the read-only preflight ran");
            if (instance.IsVpc && state.VpcRelease == ConvertToEip)
            {
                await call.Log.InfoAsync("rehearsal: on this VPC instance ECS may refuse ReleasePublicIpAddress (OperationDenied); with vpcRelease convertToEip, " +
                    "destroy would then convert the address to an EIP (ConvertNatPublicIpToEip), unassociate and release it; the VPC API has no DryRun for those calls");
            }
        }

        private async Task ConvertAndReleaseAsync(EcsInstance instance, string deniedWith, CancellationToken ct)
        {
            var doing = $"converting public IP {state.IpAddress} of {instance.InstanceId} to an EIP";
            await call.Log.InfoAsync($"ReleasePublicIpAddress was refused ({deniedWith}) and vpcRelease is convertToEip: {doing} (ConvertNatPublicIpToEip), then releasing that EIP");
            await _diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("ConvertNatPublicIpToEip", AlibabaRetry.Convert,
                c => alibaba.Ecs.ConvertNatPublicIpToEipAsync(new ConvertNatPublicIpToEipRequest(instance.InstanceId, alibaba.RegionId), c), alibaba.Retry(call)));
            var converted = await resource.FindInstanceAsync(alibaba, instance.InstanceId, call);
            var allocationId = converted?.EipAllocationId
                ?? throw new ResourceException(FailureKind.FailedPrecondition,
                    $"{doing}: ConvertNatPublicIpToEip succeeded but {instance.InstanceId} reports no EIP; find the EIP with address {state.IpAddress} in the VPC console " +
                    "and release it (the resource stays in the stack)");
            await ReleaseConvertedEipAsync(allocationId, dryRun: false);
        }

        private Task ReleaseConvertedEipAsync(string allocationId, bool dryRun) =>
            dryRun
                ? call.Log.InfoAsync($"the address was already converted to EIP {allocationId}; destroy would unassociate and release that EIP")
                : ReleaseWorkflow.RunAsync(new EipReleaseSteps(alibaba, allocationId, call, _diagnostics), call, rehearse: false);

        public Task WaitUntilGoneAsync(AddressSnapshot<EcsInstance> address, CancellationToken ct) => Task.CompletedTask;
    }
}
