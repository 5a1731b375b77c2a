using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Release;

/// <summary>What the cloud says about an address right now, and what the read learned that later steps act on.</summary>
/// <param name="Describe">How a person names it in a message, e.g. "203.0.113.5 (eipalloc-0abc)".</param>
/// <param name="AssociatedWith">What holds it, e.g. "instance i-0abc", or null when it is free.</param>
/// <param name="Live">The cloud's own record of the address (e.g. EC2's Address with its PTR state), as the read found it.</param>
public sealed record AddressSnapshot<TLive>(string Id, string Describe, string? AssociatedWith, TLive Live)
{
    public bool IsAssociated => AssociatedWith is not null;
}

/// <summary>
/// The read found no address to release: why, in the user's words. Steps that know more (released to another
/// account, the instance went with it) say so, so the user reads one warning, not two.
/// </summary>
public sealed record AddressGone(string Because)
{
    public const string Unexplained = "the address was already gone (released outside this stack); removing it from the stack";
}

/// <summary>ReadAsync's answer: the address to release, or why there is none (the delete is then already done).</summary>
public sealed class AddressRead<TLive>
{
    private AddressRead(AddressSnapshot<TLive>? address, AddressGone? gone) => (Address, Gone) = (address, gone);

    public AddressSnapshot<TLive>? Address { get; }

    public AddressGone? Gone { get; }

    public static implicit operator AddressRead<TLive>(AddressSnapshot<TLive> address) => new(address, null);

    public static implicit operator AddressRead<TLive>(AddressGone gone) => new(null, gone);
}

/// <summary>
/// What the changing steps found out, handed on by the workflow from one step to the next (a step keeps nothing).
/// </summary>
/// <param name="Disassociated">This delete disassociated the address: a release refused afterwards puts the association back as the snapshot found it.</param>
/// <param name="AlreadyGone">The address vanished during a step (released by someone else, or now another account's): there is nothing left to release or recover.</param>
public sealed record ReleaseProgress(bool Disassociated = false, bool AlreadyGone = false)
{
    public static readonly ReleaseProgress None = new();
}

/// <summary>
/// The cloud-specific steps of a release. Each step owns its cloud's error codes: it retries the ones
/// waiting can fix, treats "already done" as done, and turns the rest into catalogue diagnostics. What ReadAsync
/// learns travels in the snapshot it returns, and what a changing step learns in the progress it returns: a step
/// uses only its arguments and its injected clients, so the steps can be called in any order the workflow needs.
/// </summary>
/// <typeparam name="TLive">The cloud's record of the address that the read hands to the later steps.</typeparam>
public interface IReleaseSteps<TLive>
{
    /// <summary>The address's current truth, or why it no longer exists.</summary>
    Task<AddressRead<TLive>> ReadAsync(CancellationToken ct);

    /// <summary>
    /// Clears what would make the release fail and that this resource itself set up (e.g. EC2's PTR record), before
    /// the disassociate. Returns what it did (or, with dryRun, would do) for the summary; null when nothing was needed.
    /// </summary>
    Task<string?> PrepareAsync(AddressSnapshot<TLive> address, bool dryRun, CancellationToken ct) => Task.FromResult<string?>(null);

    Task<ReleaseProgress> DisassociateAsync(AddressSnapshot<TLive> address, bool dryRun, CancellationToken ct);

    /// <summary>
    /// True when dryRun really asks the cloud (EC2's DryRun); false when the cloud has no DryRun for these
    /// calls and a dry run can only check preconditions read-only. A rehearsal must not claim more than it did.
    /// </summary>
    bool RehearsesWithCloudDryRun => true;

    /// <param name="progress">What the disassociate found out (<see cref="ReleaseProgress.None"/> when there was none).</param>
    Task<ReleaseProgress> ReleaseAsync(AddressSnapshot<TLive> address, ReleaseProgress progress, bool dryRun, CancellationToken ct);

    /// <summary>Clouds whose release is asynchronous wait here until the address is gone; others return at once.</summary>
    Task WaitUntilGoneAsync(AddressSnapshot<TLive> address, CancellationToken ct);

    /// <summary>
    /// After this process released the address: how an operator tries to get it back (the cloud's recovery call,
    /// as the `recover` verb), or null where the cloud has none or the address was found already gone.
    /// </summary>
    RecoveryHint? Recovery(AddressSnapshot<TLive> address, ReleaseProgress progress) => null;
}

/// <summary>What a read-only rehearsal found: the address is gone (and why), or the plan the cloud's DryRun checked.</summary>
public sealed record Rehearsal(bool Gone, string Detail);

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
    public static async Task RunAsync<TLive>(IReleaseSteps<TLive> steps, ResourceCall call, bool rehearse, ReleaseGuard? guard = null)
    {
        var ct = call.CancellationToken;
        var read = await steps.ReadAsync(ct);
        if (read.Address is not { } address)
        {
            await call.Log.WarningAsync(read.Gone!.Because);
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
            throw new ResourceException(FailureKind.FailedPrecondition, summary);
        }
        await steps.PrepareAsync(address, dryRun: false, ct);
        var progress = ReleaseProgress.None;
        if (address.IsAssociated)
        {
            await call.Log.StatusAsync($"disassociating {address.Describe} from {address.AssociatedWith}");
            progress = await steps.DisassociateAsync(address, dryRun: false, ct);
        }
        await call.Log.StatusAsync($"releasing {address.Describe}");
        progress = await steps.ReleaseAsync(address, progress, dryRun: false, ct);
        await steps.WaitUntilGoneAsync(address, ct);
        if (steps.Recovery(address, progress) is { } hint)
        {
            // A warning, so it stands out in `pulumi destroy` output: the address is in the pool now, and may still come back.
            await call.Log.WarningAsync(
                $"released {hint.PublicIp} ({hint.Id}) at {TimeProvider.System.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}; it is back in the cloud's pool, where another account can allocate it. " +
                $"To try to get it back while nobody has, run: {hint.Command}");
        }
    }

    /// <summary>
    /// The operators' `sweep --dry-run`: reads the address and, when it is there, runs the steps with DryRun. Nothing is
    /// logged as a warning for a gone address: the sweep's report says it.
    /// </summary>
    public static async Task<Rehearsal> ReadAndRehearseAsync<TLive>(IReleaseSteps<TLive> steps, CancellationToken ct)
    {
        var read = await steps.ReadAsync(ct);
        return read.Address is { } address
            ? new Rehearsal(Gone: false, await RehearseAsync(steps, address, ct))
            : new Rehearsal(Gone: true, read.Gone!.Because);
    }

    /// <summary>
    /// The steps with DryRun, for an address ReadAsync returned: "would disassociate ..., then release ...; how it was
    /// checked". Shared by the destroy rehearsal and <see cref="ReadAndRehearseAsync"/>; a refusal propagates as its diagnostic.
    /// </summary>
    private static async Task<string> RehearseAsync<TLive>(IReleaseSteps<TLive> steps, AddressSnapshot<TLive> address, CancellationToken ct)
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
        await steps.ReleaseAsync(address, ReleaseProgress.None, dryRun: true, ct);
        plan.Add($"release {address.Describe}");
        var checkedHow = steps.RehearsesWithCloudDryRun
            ? "the cloud's DryRun permitted every step"
            : "the cloud has no DryRun for these calls, so only a read-only preflight ran and the release itself was not rehearsed";
        return $"would {string.Join(", then ", plan)}; {checkedHow}";
    }
}
