using PublicIp.Alibaba;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>Finders and waiters for EIPs: one place that knows how the VPC API says "gone" and how its status machine settles.</summary>
public static class EipFinder
{
    public const string Available = "Available";
    public const string InUse = "InUse";
    public const string Associating = "Associating";
    public const string Unassociating = "Unassociating";
    public const string Releasing = "Releasing";

    public static bool IsTransitional(string status) => status is Associating or Unassociating or Releasing;

    /// <summary>The EIP, or null when DescribeEipAddresses returns no entry for it (the API's way of saying NotFound).</summary>
    /// <remarks>One read through the retry primitive; concurrent reads in the region coalesce into one call.</remarks>
    public static Task<EipAddress?> FindAsync(AlibabaClients clients, string allocationId, Retry retry) =>
        retry.RunAsync("DescribeEipAddresses", $"EIP {allocationId}", c => clients.Eips.FindAsync(allocationId, c), takesPermit: false);

    /// <summary>Every EIP of the region (or only those with <paramref name="tag"/>), page by page at the API's largest page size.</summary>
    /// <remarks>Each page is one call through the retry primitive, drawing from the region's budget.</remarks>
    public static async Task<List<EipAddress>> ListAsync(AlibabaClients clients, KeyValuePair<string, string>? tag, Retry retry)
    {
        const int pageSize = 100;
        var all = new List<EipAddress>();
        for (var page = 1; ; page++)
        {
            var number = page;
            var answer = await retry.RunAsync("DescribeEipAddresses", $"the EIPs of {clients.RegionId}",
                c => clients.Vpc.QueryEipAddressesAsync(new EipQuery(clients.RegionId, [], [], null,
                    tag is { } t ? new Dictionary<string, string> { [t.Key] = t.Value } : new Dictionary<string, string>(), number, pageSize), c));
            all.AddRange(answer.EipAddresses);
            if (answer.EipAddresses.Count == 0 || page * pageSize >= answer.TotalCount)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds (null EIP = gone), each poll a coalesced read that draws from the region's
    /// budget. There is no timeout of its own: the operation's deadline (customTimeouts, else the provider default) bounds it.
    /// </summary>
    public static Task<EipAddress?> WaitAsync(AlibabaClients clients, string allocationId, Func<EipAddress?, bool> done, string waitingFor, Retry retry) =>
        retry.PollAsync("DescribeEipAddresses", $"EIP {allocationId}", waitingFor,
            c => clients.Eips.FindAsync(allocationId, c), done, e => e?.Status ?? "gone", takesPermit: false);

    public static Task<EipAddress?> WaitForStatusAsync(AlibabaClients clients, string allocationId, string status, Retry retry) =>
        WaitAsync(clients, allocationId, e => e is null || e.Status == status, $"to become {status}", retry);

    public static Task<EipAddress?> WaitUntilSettledAsync(AlibabaClients clients, string allocationId, Retry retry) =>
        WaitAsync(clients, allocationId, e => e is null || !IsTransitional(e.Status), "to finish its current transition", retry);

    public static Task WaitUntilGoneAsync(AlibabaClients clients, string allocationId, Retry retry) =>
        WaitAsync(clients, allocationId, e => e is null, "to disappear after release", retry);

    /// <summary>What Terraform infers from the id when instanceType is not given: NAT gateways and SLB instances.</summary>
    public static string InferInstanceType(string instanceId) =>
        instanceId.StartsWith("ngw-", StringComparison.Ordinal) ? "Nat"
        : instanceId.StartsWith("lb-", StringComparison.Ordinal) ? "SlbInstance"
        : "EcsInstance";
}
