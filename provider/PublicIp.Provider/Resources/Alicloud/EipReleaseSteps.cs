using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Release;
using AliEip = PublicIp.Alibaba.EipAddress;

namespace PublicIp.Provider.Resources.Alicloud;

/// <summary>
/// Unassociate, wait until Available, release, wait until gone: the EIP release for EipAddress and for a
/// NAT public IP converted to an EIP. The VPC API has no DryRun for these calls, so a rehearsal checks
/// what it can read (status, charge type, deletion protection) and says the calls were not rehearsed.
/// </summary>
/// <param name="recoverOptions">Extra options of the recover command in the release warning (e.g. an endpoint override).</param>
public sealed class EipReleaseSteps(AlibabaClients clients, string allocationId, ResourceCall call, AlibabaDiagnostics diagnostics,
    IReadOnlyList<string>? recoverOptions = null) : IReleaseSteps<AliEip>
{
    private readonly IResourceLog log = call.Log;
    private readonly Retries.Retry retry = clients.Retry(call);

    /// <summary>AllocateEipAddressPro with IpAddress gets a released pay-as-you-go EIP back while no other account has it.</summary>
    public RecoveryHint? Recovery(AddressSnapshot<AliEip> address, ReleaseProgress progress) =>
        progress.AlreadyGone
            ? null
            : new RecoveryHint(address.Live.IpAddress, allocationId, RecoveryHint.CommandFor(address.Live.IpAddress, "alicloud", clients.RegionId, recoverOptions ?? []));

    // The VPC API has no DryRun for Unassociate/ReleaseEipAddress: a rehearsal is a read-only preflight.
    public bool RehearsesWithCloudDryRun => false;

    public async Task<AddressRead<AliEip>> ReadAsync(CancellationToken ct)
    {
        var eip = await diagnostics.GuardAsync($"reading EIP {allocationId}", () => EipFinder.FindAsync(clients, allocationId, retry));
        if (eip is not null && EipFinder.IsTransitional(eip.Status))
        {
            // Unassociate and Release are refused mid-transition; a Releasing EIP settles as gone.
            eip = await diagnostics.GuardAsync($"waiting for EIP {allocationId}", () => EipFinder.WaitUntilSettledAsync(clients, allocationId, retry));
        }
        return eip is null ? new AddressGone(AddressGone.Unexplained) : Snapshot(eip);
    }

    public static AddressSnapshot<AliEip> Snapshot(AliEip eip) => new(
        eip.AllocationId,
        $"EIP {eip.IpAddress} ({eip.AllocationId})",
        eip.Status == EipFinder.InUse || eip.InstanceId is not null ? $"{eip.InstanceType ?? "instance"} {eip.InstanceId}" : null,
        eip);

    /// <summary>
    /// Reports nothing: the refusals after an unassociate are predicted by PrepareAsync instead of undone, and an EIP
    /// that vanished meanwhile is found so by ReleaseEipAddress, which warns once.
    /// </summary>
    public async Task<ReleaseProgress> DisassociateAsync(AddressSnapshot<AliEip> address, bool dryRun, CancellationToken ct)
    {
        var live = address.Live;
        if (dryRun)
        {
            return ReleaseProgress.None; // nothing to check without DryRun beyond the status ReadAsync already settled
        }
        var doing = $"unassociating {address.Describe} from {address.AssociatedWith}";
        await diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("UnassociateEipAddress", AlibabaRetry.Unassociate, async c =>
        {
            try
            {
                await clients.Vpc.UnassociateEipAddressAsync(new UnassociateEipAddressRequest(allocationId, clients.RegionId)
                {
                    InstanceId = live.InstanceId,
                    InstanceType = live.InstanceType,
                    PrivateIpAddress = live.PrivateIpAddress,
                }, c);
            }
            catch (AlibabaApiException e) when (e.Code is AlibabaErrorCodes.IncorrectEipStatus or AlibabaErrorCodes.InvalidAllocationIdNotFound)
            {
                // Someone else may have unassociated (or released) it meanwhile: that is the goal, not a failure.
                var now = await EipFinder.FindAsync(clients, allocationId, retry);
                if (now is not null && now.Status != EipFinder.Available)
                {
                    throw;
                }
            }
        }, retry));
        await diagnostics.GuardAsync(doing, () => EipFinder.WaitAsync(clients, allocationId, e => e is null || e.Status == EipFinder.Available,
            "to become Available after UnassociateEipAddress", retry));
        return ReleaseProgress.None;
    }

    /// <summary>
    /// Refusals the read predicts come before the first change: a PrePaid or deletion-protected EIP would be
    /// unassociated and then refused, cutting its instance off for nothing. So they fail here, before the unassociate.
    /// </summary>
    public Task<string?> PrepareAsync(AddressSnapshot<AliEip> address, bool dryRun, CancellationToken ct)
    {
        var live = address.Live;
        var doing = $"releasing {address.Describe}";
        var unchanged = address.IsAssociated ? $" (nothing was changed: it is still associated with {address.AssociatedWith})" : " (nothing was changed)";
        if (live.ChargeType == "PrePaid")
        {
            throw diagnostics.Diagnose(AlibabaErrorCodes.ForbiddenChargeTypeIsPrepaid, doing + unchanged).ToException();
        }
        if (live.DeletionProtection)
        {
            throw diagnostics.Diagnose(AlibabaErrorCodes.InvalidOperationDeletionProtection, doing + unchanged).ToException();
        }
        return Task.FromResult<string?>(null);
    }

    public async Task<ReleaseProgress> ReleaseAsync(AddressSnapshot<AliEip> address, ReleaseProgress progress, bool dryRun, CancellationToken ct)
    {
        var doing = $"releasing {address.Describe}";
        if (dryRun)
        {
            await log.InfoAsync("the VPC API has no DryRun for UnassociateEipAddress and ReleaseEipAddress: the rehearsal checked the EIP's status, " +
                "charge type and deletion protection read-only, but the calls themselves could not be rehearsed");
            return progress;
        }
        var gone = await diagnostics.GuardAsync(doing, () => AlibabaRetry.RunAsync("ReleaseEipAddress", AlibabaRetry.ReleaseEip, async c =>
        {
            try
            {
                await clients.Vpc.ReleaseEipAddressAsync(new ReleaseEipAddressRequest(allocationId, clients.RegionId), c);
                return false;
            }
            catch (AlibabaApiException e) when (e.Code == AlibabaErrorCodes.InvalidAllocationIdNotFound)
            {
                await log.WarningAsync($"{address.Describe} was already released (ReleaseEipAddress answered InvalidAllocationId.NotFound)");
                return true;
            }
        }, retry));
        return progress with { AlreadyGone = gone };
    }

    public Task WaitUntilGoneAsync(AddressSnapshot<AliEip> address, CancellationToken ct) =>
        diagnostics.GuardAsync($"waiting for {address.Describe} to be released", () => EipFinder.WaitUntilGoneAsync(clients, allocationId, retry));
}
