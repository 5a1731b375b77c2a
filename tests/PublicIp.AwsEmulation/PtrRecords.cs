using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation;

/// <summary>
/// EC2's reverse DNS (PTR) attribute of Elastic IPs, which moto 5.2.1 does not have at all:
/// ModifyAddressAttribute (DomainName), ResetAddressAttribute (Attribute=domain-name) and
/// DescribeAddressesAttribute (Attribute=domain-name), with the asynchronous update EC2 reports as
/// <c>ptrRecordUpdate</c>. Written from the EC2 API reference (AddressAttribute, PtrUpdateStatus) and the
/// AWS CLI examples for these calls:
/// <list type="bullet">
/// <item>Modify and Reset answer at once with the address, its current <c>ptrRecord</c> and a
/// <c>ptrRecordUpdate</c> whose status is <c>PENDING</c>; after <see cref="SettleDelay"/> the update is applied
/// (the record changes and the update disappears) or, when the forward-record check fails, stays with
/// status <c>FAILED</c> and a reason, the record unchanged.</item>
/// <item>DescribeAddressesAttribute lists an address only while it has a record or an update; an address
/// that never had one, or whose reset has been applied, is absent (terraform-provider-aws's delete waiter
/// relies on exactly that).</item>
/// <item>ReleaseAddress of an address with a record set, or with an update still pending, is refused with
/// <c>InvalidAddress.PtrSet</c> (enforced by <see cref="AwsRules"/>).</item>
/// </list>
/// Records carry EC2's trailing dot (<c>mail.example.com.</c>).
/// </summary>
public sealed class PtrRecords(TimeProvider? time = null)
{
    public const string PendingStatus = "PENDING";
    public const string FailedStatus = "FAILED";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public static readonly TimeSpan DefaultSettleDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long an update stays PENDING before EC2 applies it (real EC2: seconds to minutes).</summary>
    public TimeSpan SettleDelay { get; set; } = DefaultSettleDelay;

    /// <summary>
    /// When set, EC2's check that the domain name's forward (A) record points at the address fails, so an
    /// update ends FAILED with <see cref="ForwardCheckReason"/> as its reason.
    /// </summary>
    public bool ForwardRecordCheckFails { get; set; }

    /// <summary>Back to the defaults (records are kept: addresses of earlier tests still own theirs).</summary>
    public void ResetSwitches()
    {
        SettleDelay = DefaultSettleDelay;
        ForwardRecordCheckFails = false;
    }

    public static string ForwardCheckReason(string domainName, string publicIp) =>
        $"The forward DNS record for {domainName} does not point to {publicIp}. Create an A record for {domainName} with the value {publicIp}, then try again.";

    /// <summary>A record as EC2 would then hold it, applied at once: arranges "someone set a PTR out of band".</summary>
    public void SetApplied(string allocationId, string publicIp, string domainName) =>
        _entries[allocationId] = new Entry(publicIp, Canonical(domainName), null);

    /// <summary>The record now (applied updates only), or null: what a test inspects after the provider ran.</summary>
    public string? RecordOf(string allocationId) => Settle(allocationId)?.Record;

    /// <summary>True while ReleaseAddress must answer InvalidAddress.PtrSet.</summary>
    internal bool BlocksRelease(string allocationId) =>
        Settle(allocationId) is { } e && (e.Record is not null || e.Update is { Status: PendingStatus });

    internal void Released(string allocationId) => _entries.TryRemove(allocationId, out _);

    internal static bool Handles(string action) =>
        action is "ModifyAddressAttribute" or "ResetAddressAttribute" or "DescribeAddressesAttribute";

    /// <summary>The answer to one of the three calls: XML body on success, or the error EC2 gives.</summary>
    internal async Task<(string? Body, Ec2Error? Error)> AnswerAsync(Ec2Request request, IAmazonEC2 moto, CancellationToken ct)
    {
        switch (request.Action)
        {
            case "ModifyAddressAttribute":
            {
                if (request.Get("AllocationId") is not { } allocationId)
                {
                    return (null, Ec2Error.MissingParameter("AllocationId"));
                }
                var domainName = request.Get("DomainName");
                if (string.IsNullOrWhiteSpace(domainName))
                {
                    return (null, Ec2Error.MissingParameter("DomainName"));
                }
                if (!IsHostName(domainName.TrimEnd('.')))
                {
                    return (null, Ec2Error.InvalidParameterValue($"Invalid value '{domainName}' for DomainName."));
                }
                var (address, error) = await FindAsync(moto, allocationId, ct);
                if (error is not null || request.DryRun)
                {
                    return (null, error ?? Ec2Error.DryRunOperation());
                }
                var entry = Settle(allocationId) ?? new Entry(address!.PublicIp, null, null);
                var fails = ForwardRecordCheckFails;
                var updated = entry with
                {
                    PublicIp = address!.PublicIp,
                    Update = new Update(Canonical(domainName), PendingStatus, null, _time.GetUtcNow() + SettleDelay,
                        fails ? ForwardCheckReason(domainName.TrimEnd('.'), address.PublicIp) : null),
                };
                _entries[allocationId] = updated;
                return (AddressResponse("ModifyAddressAttributeResponse", allocationId, updated), null);
            }
            case "ResetAddressAttribute":
            {
                if (request.Get("AllocationId") is not { } allocationId)
                {
                    return (null, Ec2Error.MissingParameter("AllocationId"));
                }
                if (request.Get("Attribute") != "domain-name")
                {
                    return (null, Ec2Error.InvalidParameterValue($"Value ({request.Get("Attribute")}) for parameter attribute is invalid. Valid value: domain-name"));
                }
                var (address, error) = await FindAsync(moto, allocationId, ct);
                if (error is not null || request.DryRun)
                {
                    return (null, error ?? Ec2Error.DryRunOperation());
                }
                var entry = Settle(allocationId) ?? new Entry(address!.PublicIp, null, null);
                // A reset is an update to "no record": the record stays until it is applied.
                var updated = entry with { Update = new Update("", PendingStatus, null, _time.GetUtcNow() + SettleDelay, null) };
                _entries[allocationId] = updated;
                return (AddressResponse("ResetAddressAttributeResponse", allocationId, updated), null);
            }
            default:
            {
                if (request.Get("Attribute") != "domain-name")
                {
                    return (null, Ec2Error.InvalidParameterValue($"Value ({request.Get("Attribute")}) for parameter attribute is invalid. Valid value: domain-name"));
                }
                var ids = request.Parameters.Where(p => p.Key.StartsWith("AllocationId.", StringComparison.Ordinal)).Select(p => p.Value).ToList();
                foreach (var id in ids)
                {
                    var (_, error) = await FindAsync(moto, id, ct);
                    if (error is not null)
                    {
                        return (null, error);
                    }
                }
                if (request.DryRun)
                {
                    return (null, Ec2Error.DryRunOperation());
                }
                var listed = (ids.Count > 0 ? ids : [.. _entries.Keys.Order(StringComparer.Ordinal)])
                    .Select(id => (Id: id, Entry: Settle(id)))
                    .Where(x => x.Entry is not null);
                var items = string.Concat(listed.Select(x => $"<item>{AddressXml(x.Id, x.Entry!)}</item>"));
                return (Document("DescribeAddressesAttributeResponse", $"<addressSet>{items}</addressSet>"), null);
            }
        }
    }

    /// <summary>Applies an update whose time has come; a reset that took effect removes the address's entry.</summary>
    private Entry? Settle(string allocationId)
    {
        while (_entries.TryGetValue(allocationId, out var entry))
        {
            if (entry.Update is not { Status: PendingStatus } update || _time.GetUtcNow() < update.AppliesAt)
            {
                return entry;
            }
            Entry? settled = update.FailureReason is { } reason
                ? entry with { Update = update with { Status = FailedStatus, Reason = reason } }
                : update.Value.Length == 0 ? null : entry with { Record = update.Value, Update = null };
            var replaced = settled is null
                ? _entries.TryRemove(KeyValuePair.Create(allocationId, entry))
                : _entries.TryUpdate(allocationId, settled, entry);
            if (replaced)
            {
                return settled;
            }
        }
        return null;
    }

    private static async Task<(Address? Address, Ec2Error? Error)> FindAsync(IAmazonEC2 moto, string allocationId, CancellationToken ct)
    {
        try
        {
            var found = await moto.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocationId] }, ct);
            var address = (found.Addresses ?? []).FirstOrDefault(a => a.AllocationId == allocationId);
            return address is null ? (null, Ec2Error.InvalidAllocationIdNotFound(allocationId)) : (address, null);
        }
        catch (AmazonEC2Exception e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            return (null, Ec2Error.InvalidAllocationIdNotFound(allocationId));
        }
    }

    private static string AddressResponse(string root, string allocationId, Entry entry) =>
        Document(root, $"<address>{AddressXml(allocationId, entry)}</address>");

    private static string AddressXml(string allocationId, Entry entry)
    {
        var xml = new StringBuilder()
            .Append("<publicIp>").Append(entry.PublicIp).Append("</publicIp>")
            .Append("<allocationId>").Append(allocationId).Append("</allocationId>");
        if (entry.Record is not null)
        {
            xml.Append("<ptrRecord>").Append(SecurityElement.Escape(entry.Record)).Append("</ptrRecord>");
        }
        if (entry.Update is { } update)
        {
            xml.Append("<ptrRecordUpdate>")
                .Append("<value>").Append(SecurityElement.Escape(update.Value)).Append("</value>")
                .Append("<status>").Append(update.Status).Append("</status>");
            if (update.Reason is not null)
            {
                xml.Append("<reason>").Append(SecurityElement.Escape(update.Reason)).Append("</reason>");
            }
            xml.Append("</ptrRecordUpdate>");
        }
        return xml.ToString();
    }

    private static string Document(string root, string content) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        $"<{root} xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{Guid.NewGuid()}</requestId>{content}</{root}>";

    private static string Canonical(string domainName) => domainName.TrimEnd('.').ToLowerInvariant() + ".";

    private static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253
        && name.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-');

    private sealed record Entry(string PublicIp, string? Record, Update? Update);

    /// <param name="Value">The record being set, with its trailing dot; empty for a reset.</param>
    /// <param name="FailureReason">Set when the forward-record check will fail: the reason the update ends with.</param>
    private sealed record Update(string Value, string Status, string? Reason, DateTimeOffset AppliesAt, string? FailureReason);
}
