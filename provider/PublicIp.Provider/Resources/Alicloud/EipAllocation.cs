using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using AliEip = PublicIp.Alibaba.EipAddress;

namespace PublicIp.Provider.Resources.Alicloud;

/// <summary>
/// AllocateEipAddress that never allocates twice: one ClientToken per Create (derived from the URN, kept across
/// every retry, so Alibaba answers a retry with the first allocation), the ownership marks as the EIP's tags in the
/// same call, and an EIP an interrupted Create of the same URN left behind reported, adopted or released first.
/// </summary>
internal static class EipAllocation
{
    public static async Task<AllocateEipAddressResult> AllocateAsync(
        CloudClients clients, AlibabaClients alibaba, ResourceCall call, AllocateEipAddressRequest request, string? instanceId, AlibabaDiagnostics diagnostics)
    {
        var config = clients.Config;
        var retry = alibaba.Retry(call);
        var token = OwnershipMarks.NewCreateToken();
        request = request with { ClientToken = OwnershipMarks.ClientToken(call.Urn, token) };
        if (config.OwnershipMarks)
        {
            var left = (await diagnostics.GuardAsync($"looking for EIPs an interrupted create left in {alibaba.RegionId}",
                    () => EipFinder.ListAsync(alibaba, KeyValuePair.Create(OwnershipMarks.UrnHashKey, OwnershipMarks.HashUrn(call.Urn)), retry)))
                .Where(e => e.Status != EipFinder.Releasing && !clients.Ledger.IsTracked(call.Urn, e.AllocationId) && !clients.Ledger.IsTracked(call.Urn, e.IpAddress))
                .OrderByDescending(e => OwnershipMarks.Read(e.Tags)?.AllocatedAt)
                .ToList();
            if (left.Count > 0)
            {
                switch (config.InterruptedCreates)
                {
                    // Unassociated, or already associated where the program wants it (killed after AssociateEipAddress).
                    case ProviderConfig.InterruptedCreatesAdopt when left.FirstOrDefault(e =>
                            (e.InstanceId is null && e.Status == EipFinder.Available) || (instanceId is not null && e.InstanceId == instanceId)) is { } adopt:
                        await call.Log.WarningAsync($"adopted {Describe(adopt)}, which an interrupted Create of this resource allocated (interruptedCreates is \"adopt\"); no new EIP was allocated");
                        return new AllocateEipAddressResult(adopt.AllocationId, adopt.IpAddress);
                    case ProviderConfig.InterruptedCreatesRelease:
                        foreach (var e in left)
                        {
                            await call.Log.WarningAsync($"releasing {Describe(e)}, which an interrupted Create of this resource allocated (interruptedCreates is \"release\")");
                            await ReleaseWorkflow.RunAsync(new EipReleaseSteps(alibaba, e.AllocationId, call, diagnostics), call, rehearse: false);
                        }
                        break;
                    default:
                        throw new ResourceException(FailureKind.FailedPrecondition, OwnershipMarks.InterruptedCreateMessage(call.Urn, [.. left.Select(Describe)], left[0].AllocationId, $"--alicloud-region {alibaba.RegionId}"));
                }
            }
            request = request with { Tags = OwnershipMarks.Merge(request.Tags ?? new Dictionary<string, string>(), OwnershipMarks.For(call.Urn, token, alibaba.Time.GetUtcNow())) };
        }
        return await diagnostics.GuardAsync($"allocating an EIP in {alibaba.RegionId}", () => AlibabaRetry.RunAsync("AllocateEipAddress", AlibabaRetry.Allocate,
            c => alibaba.Vpc.AllocateEipAddressAsync(request, c), retry));
    }

    private static string Describe(AliEip e) =>
        $"EIP {e.IpAddress} ({e.AllocationId}{(OwnershipMarks.Read(e.Tags)?.AllocatedAt is { } at ? $", allocated {at:u}" : "")})";
}
