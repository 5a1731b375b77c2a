using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>Finders for Elastic IPs: one place that knows how EC2 says "not found".</summary>
public static class AddressFinder
{
    /// <summary>The address by AllocationId (vpc) or PublicIp (standard); null when EC2 says it does not exist.</summary>
    public static async Task<Address?> FindAsync(IAmazonEC2 ec2, string id, CancellationToken ct)
    {
        var request = IsAllocationId(id)
            ? new DescribeAddressesRequest { AllocationIds = [id] }
            : new DescribeAddressesRequest { PublicIps = [id] };
        try
        {
            var response = await ec2.DescribeAddressesAsync(request, ct);
            // Eventual consistency: a stale answer may hold another address; only an exact match counts.
            return response.Addresses?.FirstOrDefault(a => IsAllocationId(id) ? a.AllocationId == id : a.PublicIp == id);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAllocationID.NotFound" or "InvalidAddress.NotFound")
        {
            return null;
        }
    }

    public static bool IsAllocationId(string id) => id.StartsWith("eipalloc-", StringComparison.Ordinal);

    /// <summary>moto writes empty elements where AWS writes none; both mean "absent".</summary>
    public static string? Present(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
