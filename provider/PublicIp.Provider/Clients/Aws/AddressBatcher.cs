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
/// had alone (AuthFailure for an address that is now another account's, for example).
/// </para>
/// </summary>
public sealed class AddressBatcher
{
    /// <summary>Filter values per call; well inside what EC2 accepts for one filter.</summary>
    public const int MaxBatch = 200;

    private const string Action = "DescribeAddresses";

    private readonly IAmazonEC2 _ec2;
    private readonly RateBudget _budget;
    private readonly ITransientErrors _errors;
    private readonly Coalescer<AddressLookup> _coalescer;

    public AddressBatcher(IAmazonEC2 ec2, RateBudget budget, ITransientErrors errors)
    {
        _ec2 = ec2;
        _budget = budget;
        _errors = errors;
        _coalescer = new Coalescer<AddressLookup>(budget, errors, Action, MaxBatch, SendAsync);
    }

    /// <summary>What DescribeAddresses says about one address; takes its own permit (run it with <c>takesPermit: false</c>).</summary>
    public Task<AddressLookup> LookupAsync(string id, CancellationToken ct) =>
        AddressFinder.IsAllocationId(id)
            ? _coalescer.GetAsync(id, ct)
            : SendAloneAsync(id, ct); // standard addresses are read by PublicIp: rare, never batched

    private async Task<Func<string, AddressLookup>> SendAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 1)
        {
            var alone = await AddressFinder.LookupAsync(_ec2, ids[0], CancellationToken.None);
            return _ => alone;
        }
        try
        {
            var response = await _ec2.DescribeAddressesAsync(new DescribeAddressesRequest
            {
                Filters = [new Filter { Name = "allocation-id", Values = [.. ids] }],
            }, CancellationToken.None);
            var found = (response.Addresses ?? []).Where(a => a.AllocationId is not null)
                .GroupBy(a => a.AllocationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            return id => new AddressLookup(found.GetValueOrDefault(id), false);
        }
        catch (Exception e) when (_errors.Classify(e) is null)
        {
            // Not about one address in particular: ask for each alone, so every read gets its own answer.
            var alone = await Task.WhenAll(ids.Select(async id =>
            {
                try
                {
                    return (id, Lookup: await SendAloneAsync(id, CancellationToken.None), Error: (Exception?)null);
                }
                catch (Exception each)
                {
                    return (id, Lookup: (AddressLookup?)null, Error: each);
                }
            }));
            var byId = alone.ToDictionary(a => a.id, StringComparer.Ordinal);
            return id => byId[id].Error is { } error ? throw error : byId[id].Lookup!;
        }
    }

    private async Task<AddressLookup> SendAloneAsync(string id, CancellationToken ct)
    {
        using var lease = await _budget.AcquireAsync(Action, ct);
        try
        {
            var lookup = await AddressFinder.LookupAsync(_ec2, id, ct);
            _budget.Succeeded(Action);
            return lookup;
        }
        catch (Exception e) when (_errors.Classify(e) is { Kind: TransientKind.Throttled })
        {
            _budget.Throttled(Action);
            throw;
        }
    }
}
