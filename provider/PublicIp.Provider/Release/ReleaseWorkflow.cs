using Grpc.Core;
using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Release;

/// <summary>What the cloud says about an address right now.</summary>
/// <param name="Describe">How a person names it in a message, e.g. "203.0.113.5 (eipalloc-0abc)".</param>
/// <param name="AssociatedWith">What holds it, e.g. "instance i-0abc", or null when it is free.</param>
public sealed record AddressSnapshot(string Id, string Describe, string? AssociatedWith)
{
    public bool IsAssociated => AssociatedWith is not null;
}

/// <summary>
/// The cloud-specific steps of a release. Each step owns its cloud's error codes: it retries the ones
/// waiting can fix, treats "already done" as done, and turns the rest into catalogue diagnostics.
/// </summary>
public interface IReleaseSteps
{
    /// <summary>The address's current truth; null when it no longer exists (the delete is then already done).</summary>
    Task<AddressSnapshot?> ReadAsync(CancellationToken ct);

    /// <summary>
    /// After ReadAsync found nothing: why, in the user's words. Steps that know more (released to another
    /// account, the instance went with it) say so here, so the user reads one warning, not two.
    /// </summary>
    string GoneReason => "the address was already gone (released outside this stack); removing it from the stack";

    /// <summary>
    /// Clears what would make the release fail and that this resource itself set up (e.g. EC2's PTR record), before
    /// the disassociate. Returns what it did (or, with dryRun, would do) for the summary; null when nothing was needed.
    /// </summary>
    Task<string?> PrepareAsync(AddressSnapshot address, bool dryRun, CancellationToken ct) => Task.FromResult<string?>(null);

    Task DisassociateAsync(AddressSnapshot address, bool dryRun, CancellationToken ct);

    /// <summary>
    /// True when dryRun really asks the cloud (EC2's DryRun); false when the cloud has no DryRun for these
    /// calls and a dry run can only check preconditions read-only. A rehearsal must not claim more than it did.
    /// </summary>
    bool RehearsesWithCloudDryRun => true;

    Task ReleaseAsync(AddressSnapshot address, bool dryRun, CancellationToken ct);

    /// <summary>Clouds whose release is asynchronous wait here until the address is gone; others return at once.</summary>
    Task WaitUntilGoneAsync(AddressSnapshot address, CancellationToken ct);

    /// <summary>
    /// After this process released the address: how an operator tries to get it back (the cloud's recovery call,
    /// as the `recover` verb), or null where the cloud has none or the address was found already gone.
    /// </summary>
    RecoveryHint? Recovery(AddressSnapshot address) => null;
}

/// <summary>What a release warning names so the address can be recovered: it, its id, and the exact command.</summary>
public sealed record RecoveryHint(string PublicIp, string Id, string Command)
{
    /// <summary>The recover verb's command line; <paramref name="extra"/> adds options such as a custom endpoint.</summary>
    public static string CommandFor(string publicIp, string cloud, string region, IEnumerable<string> extra) =>
        string.Join(' ', new[] { "pulumi-resource-publicip", "recover", publicIp, "--cloud", cloud, "--region", region }.Concat(extra));
}

/// <summary>
/// Delete for every address kind: read the truth, disassociate if something holds it, release, and (where the
/// cloud is asynchronous) wait until it is gone. Any failure propagates, so the engine keeps the resource in
/// state; a rehearsal runs the same steps with DryRun and always fails for the same reason.
/// </summary>
public static class ReleaseWorkflow
{
    public static async Task RunAsync(IReleaseSteps steps, ResourceCall call, bool rehearse, ReleaseGuard? guard = null)
    {
        var ct = call.CancellationToken;
        var address = await steps.ReadAsync(ct);
        if (address is null)
        {
            await call.Log.WarningAsync(steps.GoneReason);
            return;
        }
        if (guard is not null)
        {
            // A read too: it refuses before the first change, in a rehearsal as in a destroy.
            await DnsGuard.CheckAsync(guard.Lookup, guard.PublicIp, guard.Names, $"{address.Describe} of {call.Type} '{call.Name}'", call.Log, ct);
        }
        if (rehearse)
        {
            var plan = await RehearseAsync(steps, address, ct);
            var summary = $"destroy rehearsal (rehearseDeletes is on): {plan}. Nothing was changed and the resource stays in the stack";
            await call.Log.InfoAsync(summary);
            throw new ResourceException(StatusCode.FailedPrecondition, summary);
        }
        await steps.PrepareAsync(address, dryRun: false, ct);
        if (address.IsAssociated)
        {
            await call.Log.StatusAsync($"disassociating {address.Describe} from {address.AssociatedWith}");
            await steps.DisassociateAsync(address, dryRun: false, ct);
        }
        await call.Log.StatusAsync($"releasing {address.Describe}");
        await steps.ReleaseAsync(address, dryRun: false, ct);
        await steps.WaitUntilGoneAsync(address, ct);
        if (steps.Recovery(address) is { } hint)
        {
            // A warning, so it stands out in `pulumi destroy` output: the address is in the pool now, and may still come back.
            await call.Log.WarningAsync(
                $"released {hint.PublicIp} ({hint.Id}) at {TimeProvider.System.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}; it is back in the cloud's pool, where another account can allocate it. " +
                $"To try to get it back while nobody has, run: {hint.Command}");
        }
    }

    /// <summary>
    /// The steps with DryRun, for an address ReadAsync returned: "would disassociate ..., then release ...; how it was
    /// checked". Shared by the destroy rehearsal and the operators' `sweep --dry-run`; a refusal propagates as its diagnostic.
    /// </summary>
    public static async Task<string> RehearseAsync(IReleaseSteps steps, AddressSnapshot address, CancellationToken ct)
    {
        var plan = new List<string>();
        if (await steps.PrepareAsync(address, dryRun: true, ct) is { } prepared)
        {
            plan.Add(prepared);
        }
        if (address.IsAssociated)
        {
            await steps.DisassociateAsync(address, dryRun: true, ct);
            plan.Add($"disassociate {address.Describe} from {address.AssociatedWith}");
        }
        await steps.ReleaseAsync(address, dryRun: true, ct);
        plan.Add($"release {address.Describe}");
        var checkedHow = steps.RehearsesWithCloudDryRun
            ? "the cloud's DryRun permitted every step"
            : "the cloud has no DryRun for these calls, so only a read-only preflight ran and the release itself was not rehearsed";
        return $"would {string.Join(", then ", plan)}; {checkedHow}";
    }
}
