using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Release;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Resources.Aws;

/// <summary>What EC2 reported about the address when Delete read it: the address and its reverse DNS (PTR) state.</summary>
internal sealed record LiveAddress(Address Address, PtrState Ptr)
{
    /// <summary>What holds it, in the user's words ("instance i-0abc", "network interface eni-0abc"), or null.</summary>
    public string? Holder => AddressFinder.Holder(Address);
}

/// <summary>
/// Delete's EC2 steps for one Elastic IP: disassociate by AssociationId (vpc) or PublicIp (standard), then
/// release by AllocationId with the address's NetworkBorderGroup (vpc) or by PublicIp (standard).
/// Each step retries only the codes waiting can fix, treats "already done" as done, and turns every
/// other answer into a catalogue diagnostic.
/// </summary>
internal sealed class ElasticIpRelease : IReleaseSteps<LiveAddress>
{
    private readonly IAmazonEC2 _ec2;
    private readonly Ec2Api _api;
    private readonly Retry _retry;
    private readonly ResourceCall _call;
    private readonly string _id;
    private readonly AddressIdentity _identity;
    private readonly ElasticIpState _state;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly string? _region;
    private readonly string? _endpoint;

    public ElasticIpRelease(Ec2Api api, ResourceCall call, string id, ElasticIpState state, TimeProvider time, AwsConfig? aws = null)
    {
        _region = aws?.Region;
        _endpoint = aws?.Endpoint;
        _api = api;
        _ec2 = api.Client;
        _retry = api.Retry(call);
        _call = call;
        _id = id;
        _identity = AddressIdentity.Parse(id);
        _state = state;
        _time = time;
        _started = time.GetTimestamp();
    }

    private bool IsVpc => _identity.IsVpc;

    /// <param name="live">What EC2 reported, or null before (or without) a read that found the address.</param>
    private string PublicIp(Address? live) => AddressFinder.Present(live?.PublicIp) ?? AddressFinder.Present(_state.PublicIp) ?? _id;

    private string Describe(Address? live) => IsVpc ? $"{PublicIp(live)} ({_id})" : PublicIp(live);

    private string Subject(Address? live) => $"{Describe(live)} of publicip:aws:ElasticIp '{_call.Name}'";

    public async Task<AddressRead<LiveAddress>> ReadAsync(CancellationToken ct)
    {
        var lookup = await LookupAsync(null, ct);
        if (lookup.BelongsToAnotherAccount)
        {
            return new AddressGone($"{Subject(null)} was released outside this stack and now belongs to another AWS account (DescribeAddresses answered AuthFailure); there is nothing left to release");
        }
        if (lookup.Address is not { } found)
        {
            return new AddressGone($"{Subject(null)} was already gone (released outside this stack); removing it from the stack");
        }
        var live = new LiveAddress(found, IsVpc ? await ReadPtrAsync(found, ct) : PtrState.None);
        RefuseForeignPtr(live);
        var associated = _identity.IsHeld(found.AssociationId, found.InstanceId);
        return new AddressSnapshot<LiveAddress>(_id, Describe(found), associated ? live.Holder ?? $"association {found.AssociationId}" : null, live);
    }

    /// <summary>
    /// EC2 refuses to release an address with a PTR record (InvalidAddress.PtrSet). A record this resource did
    /// not set is someone's mail or service identity: refuse here, in the first read, before anything changed.
    /// </summary>
    private void RefuseForeignPtr(LiveAddress live)
    {
        var ptr = live.Ptr;
        if (!ptr.BlocksRelease || IsOurs(ptr))
        {
            return;
        }
        var record = ptr.Shown!;
        var region = _region is null ? "" : $" --region {_region}";
        throw new ResourceException(FailureKind.FailedPrecondition,
            $"{Subject(live.Address)} has the reverse DNS (PTR) record {record}{(ptr.Record is null ? " (being set)" : "")}, which this stack did not set" +
            $"{(_state.ReverseDnsName is { } ours ? $" (it set {ours})" : "")}; EC2 refuses to release an address while a PTR record is set (InvalidAddress.PtrSet), " +
            "so nothing was changed and the address stays in the stack. " +
            $"If nothing needs {record} any more, remove it with `aws ec2 reset-address-attribute --allocation-id {_id} --attribute domain-name{region}`, " +
            $"wait until `aws ec2 describe-addresses-attribute --allocation-ids {_id} --attribute domain-name{region}` no longer lists it, then run the destroy again. " +
            $"To let this stack own the record instead, set reverseDnsName: {record} on the resource and run `pulumi up` before destroying");
    }

    private bool IsOurs(PtrState ptr) =>
        _state.ReverseDnsName is { } ours
        && (ptr.Record is null || ReverseDns.SameName(ptr.Record, ours))
        && (!ptr.IsPending || ptr.UpdateValue is not { Length: > 0 } value || ReverseDns.SameName(value, ours));

    /// <summary>Resets the PTR record this resource set and waits until EC2 no longer reports it, so the release never meets PtrSet.</summary>
    public async Task<string?> PrepareAsync(AddressSnapshot<LiveAddress> address, bool dryRun, CancellationToken ct)
    {
        var live = address.Live.Address;
        if (!address.Live.Ptr.BlocksRelease)
        {
            return null;
        }
        var record = address.Live.Ptr.Shown!;
        if (!dryRun)
        {
            await _call.Log.StatusAsync($"removing the reverse DNS record {record} of {address.Describe} (EC2 will not release an address with a PTR record)");
        }
        var request = new ResetAddressAttributeRequest { AllocationId = _id, Attribute = AddressAttributeName.DomainName, DryRun = dryRun };
        await RunStepAsync("ResetAddressAttribute", live, dryRun, async c =>
        {
            await _ec2.ResetAddressAttributeAsync(request, c);
            return ReleaseProgress.None;
        }, ct);
        if (dryRun)
        {
            return $"remove the reverse DNS record {record}";
        }
        PtrState settled;
        try
        {
            settled = await ReverseDnsWaiter.WaitSettledAsync(_ec2, _id, PublicIp(live), _retry);
        }
        catch (PtrStillPendingException)
        {
            throw new ResourceException(FailureKind.DeadlineExceeded,
                $"ec2:ResetAddressAttribute on {Subject(live)}: EC2 still reports the removal of the reverse DNS record {record} PENDING after {_time.GetElapsedTime(_started).TotalSeconds:0} s, " +
                "so the address was not released and stays in the stack; run the destroy again in a few minutes (or allow longer with customTimeouts)");
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("DescribeAddressesAttribute", Subject(live)));
        }
        if (settled.BlocksRelease)
        {
            throw new ResourceException(FailureKind.FailedPrecondition,
                $"ec2:ResetAddressAttribute on {Subject(live)}: EC2 still reports the reverse DNS record {settled.Shown}" +
                (settled.UpdateReason is { } why ? $" (EC2 said: {why})" : "") +
                "; the address was not released and stays in the stack. Run the destroy again; if it persists, ask AWS Support to remove the PTR record");
        }
        return $"removed the reverse DNS record {record}";
    }

    private async Task<PtrState> ReadPtrAsync(Address live, CancellationToken ct)
    {
        try
        {
            return await _retry.RunAsync("DescribeAddressesAttribute", Describe(live), c => _api.PtrRecords.FindAsync(_id, c), takesPermit: false);
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("DescribeAddressesAttribute", Subject(live)));
        }
    }

    /// <summary>Says Disassociated when this call disassociated the address, AlreadyGone when it vanished meanwhile.</summary>
    public Task<ReleaseProgress> DisassociateAsync(AddressSnapshot<LiveAddress> address, bool dryRun, CancellationToken ct)
    {
        var live = address.Live.Address;
        var request = IsVpc
            ? new DisassociateAddressRequest { AssociationId = live.AssociationId, DryRun = dryRun }
            : new DisassociateAddressRequest { PublicIp = PublicIp(live), DryRun = dryRun };
        return RunStepAsync("DisassociateAddress", live, dryRun, async c =>
        {
            try
            {
                await _ec2.DisassociateAddressAsync(request, c);
            }
            catch (AmazonEC2Exception e) when (!dryRun && e.ErrorCode == Ec2ErrorCodes.InvalidAssociationIDNotFound)
            {
                await _call.Log.DebugAsync($"{Subject(live)} was already disassociated ({e.ErrorCode}); going on to release it");
                return ReleaseProgress.None;
            }
            catch (AmazonEC2Exception e) when (!dryRun && AddressFinder.IsNotYours(e))
            {
                var lookup = await LookupAsync(live, c);
                if (await GoneAsync(lookup, live))
                {
                    return new ReleaseProgress(AlreadyGone: true);
                }
                if (_identity.IsHeld(lookup.Address!.AssociationId, lookup.Address.InstanceId))
                {
                    throw new HeldByServiceException(AddressFinder.Holder(lookup.Address) ?? address.Live.Holder, e);
                }
                return ReleaseProgress.None;
            }
            return dryRun ? ReleaseProgress.None : new ReleaseProgress(Disassociated: true);
        }, ct);
    }

    /// <summary>
    /// Refusals EC2 gives only at the release, after the disassociate: the one change so far is undone, so a failed
    /// destroy leaves the address as it found it (the PTR record, which one read can predict, is checked before).
    /// </summary>
    private static readonly HashSet<string> RefusedAfterDisassociate = new(StringComparer.Ordinal) { Ec2ErrorCodes.InvalidAddressLocked, Ec2ErrorCodes.InvalidAddressPtrSet };

    /// <summary>Associates the address again with what held it before the disassociate; says what happened, for the diagnostic.</summary>
    private async Task<string> RestoreAssociationAsync(Address old, CancellationToken ct)
    {
        // By instance when an instance held it (as EC2 reported it), else by its interface; with the same private IP either way.
        var byInstance = AddressFinder.Present(old.InstanceId) is not null;
        var target = (byInstance ? $"instance {old.InstanceId}" : $"network interface {old.NetworkInterfaceId}")
            + (AddressFinder.Present(old.PrivateIpAddress) is { } ip ? $" ({ip})" : "");
        var request = IsVpc
            ? new AssociateAddressRequest
            {
                AllocationId = _id,
                InstanceId = byInstance ? old.InstanceId : null,
                NetworkInterfaceId = byInstance ? null : AddressFinder.Present(old.NetworkInterfaceId),
                PrivateIpAddress = AddressFinder.Present(old.PrivateIpAddress),
                AllowReassociation = false,
            }
            : new AssociateAddressRequest { PublicIp = PublicIp(old), InstanceId = old.InstanceId };
        try
        {
            await _call.Log.StatusAsync($"re-associating {Describe(old)} with {target}, as it was before the destroy");
            // The destroy's own cancellation must not stop the undo half-way: it gets a short budget of its own.
            using var undo = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _ec2.AssociateAddressAsync(request, undo.Token);
            await _call.Log.WarningAsync($"{Subject(old)}: the release was refused after the disassociate, so the provider re-associated it with {target}; it is as it was");
            return $"EC2 refused only after the disassociate; the provider re-associated the address with {target}, so it is as it was before the destroy";
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e) || e is OperationCanceledException)
        {
            var code = e is Amazon.Runtime.AmazonServiceException { ErrorCode: { } c } ? c : e.GetType().Name;
            var how = IsVpc
                ? $"aws ec2 associate-address --allocation-id {_id} " + (byInstance ? $"--instance-id {old.InstanceId}" : $"--network-interface-id {old.NetworkInterfaceId}")
                    + (AddressFinder.Present(old.PrivateIpAddress) is { } p ? $" --private-ip-address {p}" : "")
                : $"aws ec2 associate-address --public-ip {PublicIp(old)} --instance-id {old.InstanceId}";
            return $"EC2 refused only after the disassociate, and re-associating the address with {target} failed too ({code}): " +
                   $"it is now unassociated; re-associate it with `{how}`";
        }
    }

    /// <summary>Nothing to do when the disassociate found the address gone; a refusal after this delete's disassociate re-associates it first.</summary>
    public async Task<ReleaseProgress> ReleaseAsync(AddressSnapshot<LiveAddress> address, ReleaseProgress progress, bool dryRun, CancellationToken ct)
    {
        if (progress.AlreadyGone)
        {
            return progress;
        }
        var live = address.Live.Address;
        var borderGroup = AddressFinder.Present(live.NetworkBorderGroup) ?? _state.NetworkBorderGroup;
        var request = IsVpc
            ? new ReleaseAddressRequest { AllocationId = _id, NetworkBorderGroup = borderGroup, DryRun = dryRun }
            : new ReleaseAddressRequest { PublicIp = PublicIp(live), DryRun = dryRun };
        try
        {
            var released = await ReleaseOnceAsync(request, live, borderGroup, dryRun, ct);
            return progress with { AlreadyGone = released.AlreadyGone };
        }
        catch (ResourceException failed) when (!dryRun && progress.Disassociated
            && failed.InnerException is AmazonEC2Exception { ErrorCode: { } code } refused && RefusedAfterDisassociate.Contains(code))
        {
            var restored = await RestoreAssociationAsync(live, ct);
            throw Ec2Diagnostics.Instance.Fail(refused, Ec2Diagnostics.Calling("ReleaseAddress", Subject(live)), restored);
        }
    }

    private Task<ReleaseProgress> ReleaseOnceAsync(ReleaseAddressRequest request, Address live, string? borderGroup, bool dryRun, CancellationToken ct) =>
        RunStepAsync("ReleaseAddress", live, dryRun, async c =>
        {
            try
            {
                await _ec2.ReleaseAddressAsync(request, c);
                return ReleaseProgress.None;
            }
            catch (AmazonEC2Exception e) when (!dryRun && AddressFinder.IsNotYours(e))
            {
                var lookup = await LookupAsync(live, c);
                if (!await GoneAsync(lookup, live))
                {
                    throw new HeldByServiceException(AddressFinder.Holder(lookup.Address) ?? AddressFinder.Holder(live), e);
                }
                return new ReleaseProgress(AlreadyGone: true);
            }
            catch (AmazonEC2Exception e) when (!dryRun && e.ErrorCode is Ec2ErrorCodes.InvalidAllocationIDNotFound or Ec2ErrorCodes.InvalidAddressNotFound)
            {
                var lookup = await LookupAsync(live, c);
                if (await GoneAsync(lookup, live))
                {
                    return new ReleaseProgress(AlreadyGone: true);
                }
                if (e.ErrorCode == Ec2ErrorCodes.InvalidAddressNotFound && IsVpc)
                {
                    // EC2's answer to a release naming another border group: the address is not gone, and never treated so.
                    var actual = AddressFinder.Present(lookup.Address!.NetworkBorderGroup);
                    throw new ResourceException(FailureKind.FailedPrecondition, Ec2Diagnostics.Instance.Explain(e, Ec2Diagnostics.Calling("ReleaseAddress", Subject(live)),
                        actual is null
                            ? $"the release named network border group '{borderGroup ?? "(none)"}', and DescribeAddresses still lists the address"
                            : $"the address is in network border group '{actual}', but the release named '{borderGroup ?? "(none)"}'").Message, e);
                }
                throw; // still listed: EC2 has not caught up with itself yet (retried)
            }
        }, ct);

    /// <summary>
    /// EC2's documented recovery: AllocateAddress with Address, while no other account has the address. Not for
    /// EC2-Classic (retired), and not when this delete found the address already gone.
    /// </summary>
    public RecoveryHint? Recovery(AddressSnapshot<LiveAddress> address, ReleaseProgress progress)
    {
        if (progress.AlreadyGone || !IsVpc || _region is null)
        {
            return null;
        }
        var live = address.Live.Address;
        var extra = new List<string>();
        if (AddressFinder.Present(live.NetworkBorderGroup) is { } group && group != _region)
        {
            extra.Add($"--network-border-group {group}");
        }
        if (_endpoint is not null)
        {
            extra.Add($"--config awsEndpoint={_endpoint}");
        }
        return new RecoveryHint(PublicIp(live), _id, RecoveryHint.CommandFor(PublicIp(live), "aws", _region, extra));
    }

    /// <summary>EC2's ReleaseAddress is synchronous: once it answers, the address is gone.</summary>
    public Task WaitUntilGoneAsync(AddressSnapshot<LiveAddress> address, CancellationToken ct) => Task.CompletedTask;

    private async Task<ReleaseProgress> RunStepAsync(string action, Address live, bool dryRun, Func<CancellationToken, Task<ReleaseProgress>> attempt, CancellationToken ct)
    {
        try
        {
            return await _retry.RunAsync(action, Describe(live), async c =>
            {
                try
                {
                    return await attempt(c);
                }
                catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == Ec2ErrorCodes.DryRunOperation)
                {
                    await _call.Log.DebugAsync($"rehearsal: ec2:{action} on {Subject(live)} would succeed");
                    return ReleaseProgress.None;
                }
            }, dryRun ? _ => null : Retryable, waitAtMost: dryRun ? null : WaitAtMost);
        }
        catch (HeldByServiceException held)
        {
            var holder = held.Holder is null ? null : await DescribeHolderAsync(held.Holder, live, ct);
            var detail = $"still refused after {_time.GetElapsedTime(_started).TotalSeconds:0} s; " + (holder is null
                ? $"EC2 did not say what holds it: look for a NAT gateway or load balancer using {PublicIp(live)}"
                : $"it is held by {holder}");
            throw Ec2Diagnostics.Instance.Fail(held.InnerException!, Ec2Diagnostics.Calling(action, Subject(live)), detail);
        }
        catch (AmazonEC2Exception e) when (!dryRun && e.ErrorCode == Ec2ErrorCodes.InvalidIPAddressInUse)
        {
            var holder = AddressFinder.Holder((await LookupAsync(live, ct)).Address);
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling(action, Subject(live)),
                holder is null ? "EC2 kept answering so after the disassociate" : $"DescribeAddresses now shows it associated with {holder}");
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling(action, Subject(live)), dryRun ? "found by a destroy rehearsal; nothing was changed" : null);
        }
    }

    /// <summary>Every code waiting can fix, named with why (shown as a status line while retrying).</summary>
    private static string? Retryable(Exception e) => e switch
    {
        HeldByServiceException h => $"the address is still held by {h.Holder ?? "a managed service"} (a NAT gateway or load balancer letting go)",
        // AuthFailure is waited for only as HeldByServiceException: DescribeAddresses showed the address is still ours.
        AmazonEC2Exception { ErrorCode: { } code and not Ec2ErrorCodes.AuthFailure } when Ec2WaitFor.Release.TryGetValue(code, out var why) => why,
        _ => null,
    };

    /// <summary>InvalidIPAddress.InUse is EC2 lagging only for a while after the disassociate; the retry primitive keeps the window.</summary>
    private static TimeSpan? WaitAtMost(Exception e) => e is AmazonEC2Exception { ErrorCode: { } code } ? Ec2WaitFor.ReleaseWaitAtMost(code) : null;

    /// <summary>Gone, or someone else's: either way the delete is done, with a warning that says which.</summary>
    private async Task<bool> GoneAsync(AddressLookup lookup, Address live)
    {
        if (lookup.Exists)
        {
            return false;
        }
        await _call.Log.WarningAsync(lookup.BelongsToAnotherAccount
            ? $"{Subject(live)} was released outside this stack and now belongs to another AWS account (EC2 answered AuthFailure); nothing was released, and it leaves the stack"
            : $"{Subject(live)} was already released (outside this stack, or by a concurrent destroy); it leaves the stack");
        return true;
    }

    private async Task<AddressLookup> LookupAsync(Address? live, CancellationToken ct)
    {
        try
        {
            return await _retry.RunAsync("DescribeAddresses", Describe(live), c => _api.Addresses.LookupAsync(_id, c), takesPermit: false);
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("DescribeAddresses", Subject(live)));
        }
    }

    /// <summary>Best effort: the interface's own description usually names the NAT gateway or load balancer.</summary>
    private async Task<string> DescribeHolderAsync(string holder, Address live, CancellationToken ct)
    {
        if (AddressFinder.Present(live.NetworkInterfaceId) is not { } eni)
        {
            return holder;
        }
        try
        {
            var found = await _retry.RunAsync("DescribeNetworkInterfaces", Describe(live),
                c => _ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eni] }, c));
            var description = AddressFinder.Present((found.NetworkInterfaces ?? []).FirstOrDefault()?.Description);
            return description is null ? holder : $"{holder}, described as \"{description}\"";
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            return holder; // the diagnostic is about the release; a failed look-up must not replace it
        }
    }

    /// <summary>AuthFailure while DescribeAddresses still lists the address as ours: a managed service holds it.</summary>
    private sealed class HeldByServiceException(string? holder, Exception inner) : Exception("held by a managed service", inner)
    {
        public string? Holder { get; } = holder;
    }
}
