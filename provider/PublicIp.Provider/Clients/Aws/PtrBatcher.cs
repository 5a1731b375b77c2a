using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// Concurrent PTR reads (every vpc Delete's first read, Read, refresh) as one DescribeAddressesAttribute for many
/// AllocationIds (see <see cref="Coalescer{TResult}"/>). A lone read is exactly the call it always was: AllocationIds=[id].
/// <para>
/// The call has no filter, and like DescribeAddresses with AllocationIds it fails as a whole with
/// InvalidAllocationID.NotFound when any one id is gone (EC2 API reference; our emulation in PtrRecords does the same).
/// That batch is then asked again one id at a time, so the missing address gets the answer it would have had alone and
/// the others get theirs. An address the answer does not list has no record and no update.
/// </para>
/// </summary>
public sealed class PtrBatcher(IAmazonEC2 ec2, RateBudget budget, ITransientErrors errors)
{
    /// <summary>AllocationIds per call.</summary>
    public const int MaxBatch = 100;

    private readonly Coalescer<PtrState> _coalescer = new(budget, errors, "DescribeAddressesAttribute", MaxBatch,
        async ids =>
        {
            var found = new Dictionary<string, PtrState>(StringComparer.Ordinal);
            var request = new DescribeAddressesAttributeRequest { AllocationIds = [.. ids], Attribute = AddressAttributeName.DomainName };
            do
            {
                var response = await ec2.DescribeAddressesAttributeAsync(request, CancellationToken.None);
                foreach (var attribute in response.Addresses ?? [])
                {
                    if (attribute.AllocationId is { } id)
                    {
                        found.TryAdd(id, ReverseDns.From(attribute));
                    }
                }
                request.NextToken = AddressFinder.Present(response.NextToken);
            }
            while (request.NextToken is not null);
            return id => found.GetValueOrDefault(id, PtrState.None);
        },
        (id, ct) => ReverseDns.FindAsync(ec2, id, ct));

    /// <summary>The PTR state of a vpc address; takes its own permit (run it with <c>takesPermit: false</c>).</summary>
    public Task<PtrState> FindAsync(string allocationId, CancellationToken ct) => _coalescer.GetAsync(allocationId, ct);
}
