using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// Concurrent reads of Elastic IPs (Delete's first step, Read, refresh) as one DescribeAddresses (see
/// <see cref="Coalescer{TResult}"/>). A lone read is exactly the call it always was: AllocationIds=[id].
/// <para>
/// A batch asks by the <c>allocation-id</c> filter, never by AllocationIds: with AllocationIds EC2 fails the whole
/// call with InvalidAllocationID.NotFound when any one id is gone, while a filter just leaves it out. So one missing
/// address never fails or delays the others; an address the answer does not list is not found. A batch EC2 refuses
/// for a reason that is not transient is asked again one address at a time, so each read gets the answer it would have
/// had alone (AuthFailure for an address that is now another account's, for example; see <see cref="Coalescer{TResult}"/>).
/// </para>
/// </summary>
public sealed class AddressBatcher
{
    /// <summary>Filter values per call; well inside what EC2 accepts for one filter.</summary>
    public const int MaxBatch = 200;

    private readonly Coalescer<AddressLookup> _coalescer;

    public AddressBatcher(IAmazonEC2 ec2, RateBudget budget, ITransientErrors errors) =>
        _coalescer = new Coalescer<AddressLookup>(budget, errors, "DescribeAddresses", MaxBatch,
            async ids =>
            {
                var response = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest
                {
                    Filters = [new Filter { Name = "allocation-id", Values = [.. ids] }],
                }, CancellationToken.None);
                var found = (response.Addresses ?? []).Where(a => a.AllocationId is not null)
                    .GroupBy(a => a.AllocationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                return id => new AddressLookup(found.GetValueOrDefault(id), false);
            },
            (id, ct) => AddressFinder.LookupAsync(ec2, id, ct));

    /// <summary>What DescribeAddresses says about one address; takes its own permit (run it with <c>takesPermit: false</c>).</summary>
    public Task<AddressLookup> LookupAsync(string id, CancellationToken ct) =>
        AddressIdentity.Parse(id).IsVpc
            ? _coalescer.GetAsync(id, ct)
            : _coalescer.SendAloneAsync(id, ct); // standard addresses are read by PublicIp: rare, never batched
}
