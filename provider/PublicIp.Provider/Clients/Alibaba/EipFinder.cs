using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>Finders and waiters for EIPs: one place that knows how the VPC API says "gone" and how its status machine settles.</summary>
public static class EipFinder
{
    public const string Available = "Available";
    public const string InUse = "InUse";
    public const string Associating = "Associating";
    public const string Unassociating = "Unassociating";
    public const string Releasing = "Releasing";

    // Transitions take seconds; polling faster than this only burns API quota.
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(5);

    public static bool IsTransitional(string status) => status is Associating or Unassociating or Releasing;

    /// <summary>The EIP, or null when DescribeEipAddresses returns no entry for it (the API's way of saying NotFound).</summary>
    public static async Task<EipAddress?> FindAsync(AlibabaClients clients, string allocationId, CancellationToken ct)
    {
        var found = await clients.Vpc.DescribeEipAddressesAsync(new DescribeEipAddressesRequest(clients.RegionId, allocationId), ct);
        return found.FirstOrDefault(e => e.AllocationId == allocationId);
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds (null EIP = gone). There is no timeout of its own: the engine's
    /// deadline (customTimeouts, else the provider default) cancels <paramref name="ct"/>.
    /// </summary>
    public static async Task<EipAddress?> WaitAsync(AlibabaClients clients, string allocationId, Func<EipAddress?, bool> done, string waitingFor,
        IResourceLog log, CancellationToken ct)
    {
        var delay = FirstPoll;
        var started = clients.Time.GetTimestamp();
        while (true)
        {
            var eip = await FindAsync(clients, allocationId, ct);
            if (done(eip))
            {
                return eip;
            }
            await log.StatusAsync($"waiting for EIP {allocationId} {waitingFor} (now {eip?.Status ?? "gone"}, {clients.Time.GetElapsedTime(started).TotalSeconds:0} s)");
            await Task.Delay(delay, clients.Time, ct);
            delay = TimeSpan.FromTicks(Math.Min(MaxPoll.Ticks, delay.Ticks * 2));
        }
    }

    public static Task<EipAddress?> WaitForStatusAsync(AlibabaClients clients, string allocationId, string status, IResourceLog log, CancellationToken ct) =>
        WaitAsync(clients, allocationId, e => e is null || e.Status == status, $"to become {status}", log, ct);

    public static Task<EipAddress?> WaitUntilSettledAsync(AlibabaClients clients, string allocationId, IResourceLog log, CancellationToken ct) =>
        WaitAsync(clients, allocationId, e => e is null || !IsTransitional(e.Status), "to finish its current transition", log, ct);

    public static Task WaitUntilGoneAsync(AlibabaClients clients, string allocationId, IResourceLog log, CancellationToken ct) =>
        WaitAsync(clients, allocationId, e => e is null, "to disappear after release", log, ct);

    /// <summary>What Terraform infers from the id when instanceType is not given: NAT gateways and SLB instances.</summary>
    public static string InferInstanceType(string instanceId) =>
        instanceId.StartsWith("ngw-", StringComparison.Ordinal) ? "Nat"
        : instanceId.StartsWith("lb-", StringComparison.Ordinal) ? "SlbInstance"
        : "EcsInstance";
}
