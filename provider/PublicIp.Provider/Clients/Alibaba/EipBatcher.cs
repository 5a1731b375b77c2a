using PublicIp.Alibaba;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>
/// Concurrent reads of EIPs in one region (Delete's first read and every status wait's poll) as one
/// DescribeEipAddresses with a comma-separated AllocationId list (the API takes up to 50; see <see cref="Coalescer{TResult}"/>).
/// An id the answer does not list is gone, so one missing EIP never fails or delays the others; a lone read is the
/// single-id call it always was.
/// </summary>
public sealed class EipBatcher(IVpcEipApi vpc, string regionId, RateBudget budget, ITransientErrors errors)
{
    public const int MaxBatch = 50;

    private readonly Coalescer<EipAddress?> _coalescer = new(budget, errors, "DescribeEipAddresses", MaxBatch,
        async ids =>
        {
            var found = await vpc.DescribeEipAddressesAsync(new DescribeEipAddressesRequest(regionId, string.Join(',', ids)) { PageSize = MaxBatch }, CancellationToken.None);
            return id => found.FirstOrDefault(e => e.AllocationId == id);
        },
        async (id, ct) => (await vpc.DescribeEipAddressesAsync(new DescribeEipAddressesRequest(regionId, id), ct)).FirstOrDefault(e => e.AllocationId == id));

    /// <summary>The EIP, or null when it is gone. Takes its own permit: run it through Retry with <c>takesPermit: false</c>.</summary>
    public Task<EipAddress?> FindAsync(string allocationId, CancellationToken ct) => _coalescer.GetAsync(allocationId, ct);
}
