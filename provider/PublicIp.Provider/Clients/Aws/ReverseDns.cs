using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Provider.Release;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// What EC2 says about an address's reverse DNS (PTR) record: the record in effect and an update in
/// flight (EC2 applies ModifyAddressAttribute and ResetAddressAttribute asynchronously).
/// </summary>
/// <param name="Record">The PTR record in effect without EC2's trailing dot, or null when none is set.</param>
/// <param name="UpdateValue">The record an update is setting ("" for a reset), or null when no update is reported.</param>
/// <param name="UpdateStatus">PENDING while EC2 works on it; FAILED (with <paramref name="UpdateReason"/>) when it gave up.</param>
public sealed record PtrState(string? Record, string? UpdateValue, string? UpdateStatus, string? UpdateReason)
{
    public static readonly PtrState None = new(null, null, null, null);

    public bool IsPending => string.Equals(UpdateStatus, ReverseDns.Pending, StringComparison.OrdinalIgnoreCase);

    public bool IsFailed => UpdateStatus is { Length: > 0 } && !IsPending;

    /// <summary>Set, or being set: what makes EC2 refuse ReleaseAddress with InvalidAddress.PtrSet.</summary>
    public bool BlocksRelease => Record is not null || (IsPending && UpdateValue is { Length: > 0 });

    /// <summary>The name a person should see: the record in effect, else the one being set.</summary>
    public string? Shown => Record ?? (IsPending && UpdateValue is { Length: > 0 } ? UpdateValue : null);
}

/// <summary>Finder and waiter for the reverse DNS attribute (DescribeAddressesAttribute, Attribute=domain-name).</summary>
public static class ReverseDns
{
    public const string Pending = "PENDING";

    public const string Attribute = "domain-name";

    /// <summary>The PTR state of a vpc address; an address EC2 does not list has no record and no update.</summary>
    public static async Task<PtrState> FindAsync(IAmazonEC2 ec2, string allocationId, CancellationToken ct)
    {
        var response = await ec2.DescribeAddressesAttributeAsync(new DescribeAddressesAttributeRequest
        {
            AllocationIds = [allocationId],
            Attribute = AddressAttributeName.DomainName,
        }, ct);
        var found = (response.Addresses ?? []).FirstOrDefault(a => a.AllocationId == allocationId);
        return found is null ? PtrState.None : From(found);
    }

    public static PtrState From(AddressAttribute attribute) => new(
        Name(attribute.PtrRecord),
        attribute.PtrRecordUpdate is { } u ? Name(u.Value) ?? "" : null,
        AddressFinder.Present(attribute.PtrRecordUpdate?.Status),
        AddressFinder.Present(attribute.PtrRecordUpdate?.Reason));

    /// <summary>A DNS name as people write it: no trailing dot, lower case (DNS names compare case-insensitively).</summary>
    public static string? Name(string? value) =>
        AddressFinder.Present(value?.TrimEnd('.'))?.ToLowerInvariant();

    public static bool SameName(string? a, string? b) => string.Equals(Name(a), Name(b), StringComparison.Ordinal);

    /// <summary>True when <paramref name="name"/> is a DNS host name EC2 could hold as a PTR record.</summary>
    public static bool IsHostName(string name) => DnsNames.IsHostName(name);
}

/// <summary>Thrown by <see cref="ReverseDnsWaiter"/> while EC2 still reports the update PENDING (so the retry primitive waits it out).</summary>
public sealed class PtrStillPendingException(PtrState state) : Exception("the reverse DNS update is still pending")
{
    public PtrState State { get; } = state;
}

public static class ReverseDnsWaiter
{
    /// <summary>
    /// Polls DescribeAddressesAttribute through the retry primitive until EC2 no longer reports the update PENDING,
    /// within the operation's deadline; past it, <see cref="PtrStillPendingException"/> is thrown.
    /// </summary>
    public static Task<PtrState> WaitSettledAsync(IAmazonEC2 ec2, string allocationId, string publicIp, Retry retry) =>
        retry.RunAsync(
            "DescribeAddressesAttribute",
            $"reverse DNS of {publicIp}",
            async c =>
            {
                var state = await ReverseDns.FindAsync(ec2, allocationId, c);
                return state.IsPending ? throw new PtrStillPendingException(state) : state;
            },
            e => e is PtrStillPendingException p
                ? $"EC2 is still applying the PTR update to '{(p.State.UpdateValue is { Length: > 0 } v ? v : "(reset)")}' (status {p.State.UpdateStatus})"
                : null);
}
