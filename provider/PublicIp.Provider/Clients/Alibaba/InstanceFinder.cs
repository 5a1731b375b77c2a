using PublicIp.Alibaba;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>Finds ECS instances; an instance DescribeInstances does not list is gone.</summary>
public static class InstanceFinder
{
    public static async Task<EcsInstance?> FindAsync(AlibabaClients clients, string instanceId, Retry retry)
    {
        var found = await retry.RunAsync("DescribeInstances", $"instance {instanceId}",
            c => clients.Ecs.DescribeInstancesAsync(new DescribeInstancesRequest(clients.RegionId, [instanceId]), c));
        return found.FirstOrDefault(i => i.InstanceId == instanceId);
    }

    /// <summary>ECS allows public-IP changes only in these statuses.</summary>
    public static bool AllowsPublicIpChanges(EcsInstance instance) => instance.Status is "Running" or "Stopped";

    public static bool IsSecurityLocked(EcsInstance instance) => instance.OperationLocks.Contains("security", StringComparer.OrdinalIgnoreCase);

    /// <summary>The NAT public IP of a VPC instance can only be released this long after the instance was created.</summary>
    public static readonly TimeSpan NatReleaseWindow = TimeSpan.FromHours(6);

    public static bool NatReleaseWindowPassed(EcsInstance instance, DateTimeOffset now) =>
        instance.CreationTime is { } created && now - created > NatReleaseWindow;
}
