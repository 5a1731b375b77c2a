using PublicIp.Protocol.Resources;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Retries;

/// <summary>What a cloud's answer means for retrying, whatever the call: throttled, a passing server fault, or neither.</summary>
public enum TransientKind { Throttled, ServerError }

/// <summary>A transient answer: its code (for the user), and the server's own hint of how long to wait.</summary>
public sealed record Transient(TransientKind Kind, string Code, TimeSpan? RetryAfter = null);

/// <summary>One cloud's rules for the answers no call site names: throttling, 5xx and transport failures.</summary>
public interface ITransientErrors
{
    /// <summary>"EC2", "Alibaba Cloud", ... as a person names the API.</summary>
    string Api { get; }

    /// <summary>How an action is named in messages and IAM: "ec2" gives "ec2:ReleaseAddress".</summary>
    string ActionPrefix { get; }

    /// <summary>The config key and value a user turns to slow the provider down or to tell it about raised limits.</summary>
    string RateScaleKey { get; }

    /// <summary>How often a server error or transport failure is retried (throttling is retried until the deadline).</summary>
    int MaxServerErrorRetries { get; }

    Transient? Classify(Exception e);
}

/// <summary>
/// The one retry and wait primitive of the provider: every cloud call of an operation goes through it.
/// It takes a permit from the account's shared <see cref="RateBudget"/> before each attempt, waits out throttling
/// and server errors (the cloud's rules, <see cref="ITransientErrors"/>) and the conditions the call site names,
/// with jittered backoff, for as long as the operation's deadline allows (customTimeouts, else the provider's
/// default), and shows a status line whenever it waits. Near the deadline it stops and fails with a diagnostic
/// whose remedy fits the command the user is running; the SDK's and Polly's own retries are switched off.
/// <example>
/// One <see cref="Retry"/> per operation (it holds the deadline), then each call:
/// <code>
/// var retry = clients.Ec2Retry(call);
/// var found = await retry.RunAsync("DescribeAddresses", subject, c => ec2.DescribeAddressesAsync(request, c));
/// await retry.RunAsync("ReleaseAddress", subject, c => ec2.ReleaseAddressAsync(release, c),
///     waitFor: e => Ec2Diagnostics.Is(e, Ec2ErrorCodes.InvalidIPAddressInUse) ? "EC2 still sees the address associated" : null);
/// var eip = await retry.PollAsync("DescribeEipAddresses", subject, "to become Available",
///     c => EipFinder.FindAsync(alibaba, id, c), e => e?.Status == "Available", e => e?.Status ?? "gone");
/// </code>
/// The action names the cloud's API action: it picks the rate bucket. <c>waitFor</c> returns why an error is worth
/// waiting out (shown to the user), or null to fail at once; errors it does not name reach the caller unchanged.
/// </example>
/// </summary>
public sealed class Retry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    // A throttled attempt waits for a permit anyway; its own backoff only spreads the retries of a burst.
    private static readonly TimeSpan FirstThrottleDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxThrottleDelay = TimeSpan.FromSeconds(5);
    // How long a call may wait for a permit before the user is told it is queued.
    private static readonly TimeSpan QuietQueueing = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(5);

    private readonly RateBudget _budget;
    private readonly ITransientErrors _errors;
    private readonly ResourceCall _call;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _deadline;
    private readonly TimeSpan _margin;

    public Retry(RateBudget budget, ITransientErrors errors, ResourceCall call, TimeProvider? time = null)
    {
        _budget = budget;
        _errors = errors;
        _call = call;
        _time = time ?? TimeProvider.System;
        _deadline = (call.Started ?? _time.GetUtcNow()) + call.Timeout;
        _margin = Margin(call.Timeout);
    }

    /// <summary>
    /// What is kept back from the deadline so our diagnostic reaches the user before the engine's DeadlineExceeded:
    /// a tenth of the timeout, at most 5 s.
    /// </summary>
    public static TimeSpan Margin(TimeSpan timeout) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, timeout.Ticks / 10));

    /// <summary>How long retries may still take before the operation must give up.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var left = _deadline - _margin - _time.GetUtcNow();
            return left < TimeSpan.Zero ? TimeSpan.Zero : left;
        }
    }

    public CancellationToken CancellationToken => _call.CancellationToken;

    /// <summary>Runs one cloud call, retrying what waiting can fix until the deadline.</summary>
    /// <param name="action">The API action (picks the rate bucket and names the call in messages).</param>
    /// <param name="subject">What the call is about, in the user's words (the address and the resource).</param>
    /// <param name="waitFor">Why an error is worth waiting out, or null to let it through at once.</param>
    /// <param name="takesPermit">False when <paramref name="attempt"/> takes its own permits (a coalescing reader that sends one call for many).</param>
    /// <param name="waitAtMost">
    /// For an error <paramref name="waitFor"/> names, how long after the first one with the same reason in this call it is still
    /// waited out; null: until the deadline. A condition that only lags for a while (EC2 catching up with a disassociate)
    /// means, once it outlasts that, something else holds on, and waiting longer cannot help: the error then reaches the caller.
    /// </param>
    public async Task<T> RunAsync<T>(string action, string subject, Func<CancellationToken, Task<T>> attempt, Func<Exception, string?>? waitFor = null,
        bool takesPermit = true, Func<Exception, TimeSpan?>? waitAtMost = null)
    {
        var ct = _call.CancellationToken;
        var started = _time.GetTimestamp();
        var delay = FirstDelay;
        var throttleDelay = FirstThrottleDelay;
        var serverErrors = 0;
        var throttles = 0;
        string? throttledWith = null; // the cloud's code of the last throttled answer, named if the deadline comes in the queue
        Dictionary<string, long>? firstNamed = null; // reason -> when it first came, for the reasons waited out only a while
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            Exception failure;
            TimeSpan took;
            using (takesPermit ? await AcquireAsync(action, subject, started, throttles, throttledWith, ct) : null)
            {
                var sent = _time.GetTimestamp();
                try
                {
                    var result = await attempt(ct);
                    if (takesPermit)
                    {
                        _budget.Succeeded(action);
                    }
                    return result;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failure = e;
                }
                took = _time.GetElapsedTime(sent);
            }
            var transient = _errors.Classify(failure);
            if (takesPermit && transient?.Kind == TransientKind.Throttled)
            {
                _budget.Throttled(action);
            }
            else if (takesPermit)
            {
                _budget.Succeeded(action); // any real answer says the bucket had a token for us
            }
            string reason;
            TimeSpan wait;
            if (transient is { Kind: TransientKind.Throttled })
            {
                throttles++;
                throttledWith = transient.Code;
                wait = Longest(transient.RetryAfter, Jitter(throttleDelay));
                throttleDelay = Double(throttleDelay, MaxThrottleDelay);
                if (!FitsBeforeDeadline(wait, took))
                {
                    throw ThrottledPastDeadline(action, subject, transient.Code, started, throttles);
                }
                reason = $"throttled by {_errors.Api} ({transient.Code})";
            }
            else if (waitFor?.Invoke(failure) is { } named
                && (waitAtMost?.Invoke(failure) is not { } window || WithinWindow(firstNamed ??= new(StringComparer.Ordinal), named, window)))
            {
                // The call site named it: waited out until the deadline (or its waitAtMost), whatever the cloud-wide rules say.
                wait = Longest(transient?.RetryAfter, Jitter(delay));
                delay = Double(delay, MaxDelay);
                reason = named;
            }
            else if (transient is { Kind: TransientKind.ServerError } && serverErrors < _errors.MaxServerErrorRetries)
            {
                serverErrors++;
                wait = Longest(transient.RetryAfter, Jitter(delay));
                delay = Double(delay, MaxDelay);
                reason = $"{_errors.Api} answered {transient.Code} (server error {serverErrors} of at most {_errors.MaxServerErrorRetries} retried)";
            }
            else
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                throw failure; // unreachable
            }
            if (!FitsBeforeDeadline(wait, took))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
            if (transient?.Kind != TransientKind.Throttled || throttles == 1 || throttles % 5 == 0)
            {
                await _call.Log.StatusAsync($"{Name(action)}{On(subject)}: {reason}; retrying in {wait.TotalSeconds:0.#} s (attempt {attemptNumber}, {Used(started)})");
            }
            await Task.Delay(wait, _time, ct);
        }
    }

    public Task RunAsync(string action, string subject, Func<CancellationToken, Task> attempt, Func<Exception, string?>? waitFor = null) =>
        RunAsync<bool>(action, subject, async c => { await attempt(c); return true; }, waitFor);

    /// <summary>
    /// Reads until <paramref name="done"/> holds, polling from 0.25 s up to 5 s apart with jitter; each read is a call of
    /// <paramref name="action"/> through <see cref="RunAsync{T}"/> (so it draws from the budget and survives throttling).
    /// Bounded only by the operation's deadline: past it the caller's CancellationToken fires.
    /// </summary>
    public async Task<T> PollAsync<T>(string action, string subject, string waitingFor, Func<CancellationToken, Task<T>> read, Func<T, bool> done,
        Func<T, string> describe, bool takesPermit = true)
    {
        var ct = _call.CancellationToken;
        var started = _time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var value = await RunAsync(action, subject, read, takesPermit: takesPermit);
            if (done(value))
            {
                return value;
            }
            await _call.Log.StatusAsync($"waiting for {subject} {waitingFor} (now {describe(value)}, {_time.GetElapsedTime(started).TotalSeconds:0} s)");
            await Task.Delay(Jitter(delay), _time, ct);
            delay = Double(delay, TimeSpan.FromSeconds(5));
        }
    }

    private async ValueTask<IDisposable> AcquireAsync(string action, string subject, long started, int throttles, string? throttledWith, CancellationToken ct)
    {
        // Cancelled when the deadline leaves no room: the request leaves the queue instead of spending a token later.
        using var queued = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var acquiring = _budget.AcquireAsync(action, queued.Token);
        if (acquiring.IsCompleted)
        {
            return await acquiring; // the single-address path: a full bucket grants at once, no timer, no sleep
        }
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var task = acquiring.AsTask();
        var nextStatus = QuietQueueing;
        while (true)
        {
            var remaining = Remaining;
            var slice = remaining < nextStatus ? remaining : nextStatus;
            if (await Task.WhenAny(task, Task.Delay(slice, _time, giveUp.Token)) == task)
            {
                await giveUp.CancelAsync();
                return await task;
            }
            if (Remaining <= TimeSpan.Zero)
            {
                await queued.CancelAsync();
                if (await Task.WhenAny(task) is { IsCompletedSuccessfully: true } granted)
                {
                    granted.Result.Dispose(); // granted just before the cancel: not used
                }
                throw ThrottledPastDeadline(action, subject, throttledWith, started, throttles);
            }
            await _call.Log.StatusAsync(
                $"waiting for the {_budget.Name} rate limit before {Name(action)}{On(subject)} ({_budget.Queued(action)} requests queued, " +
                $"{_budget.CurrentRate(action):0.#}/s; {Used(started)})");
            nextStatus = StatusEvery;
        }
    }

    private ResourceException ThrottledPastDeadline(string action, string subject, string? code, long started, int throttles)
    {
        var command = _call.Operation switch
        {
            "Delete" => "pulumi destroy",
            "Read" => "pulumi refresh",
            _ => "pulumi up",
        };
        var timeoutKey = _call.Operation switch
        {
            "Delete" => "delete",
            "Update" => "update",
            "Create" => "create",
            _ => null,
        };
        var parallel = Math.Max(1, _budget.PeakInFlight / 2);
        var what = throttles > 0
            ? $"{_errors.Api} throttled it {throttles} time(s) ({code})"
            : $"it waited in the {_budget.Name} rate-limit queue";
        var message =
            $"{Name(action)}{On(subject)} could not be sent within the operation's deadline: {what} for {_time.GetElapsedTime(started).TotalSeconds:0} s, " +
            $"with {_budget.PeakInFlight} operations sharing the account's {_budget.Name} request budget, and the {_call.Timeout.TotalSeconds:0} s timeout leaves no room for another attempt; " +
            "nothing was removed from the stack's state. " +
            $"Run `{command} --parallel {parallel}` so fewer operations wait for the same budget" +
            (timeoutKey is null ? "" : $", or give the resources more time with `customTimeouts: {{ {timeoutKey}: \"30m\" }}`") +
            $"; other tools using the same account and region spend the same budget: set `{_errors.RateScaleKey}` below 1 to leave them room, or above 1 if the cloud raised your limits" +
            (code is null ? "" : $" [{code}]");
        return new ResourceException(FailureKind.Unavailable, message);
    }

    /// <summary>
    /// Another attempt is worth it only when the wait and one more attempt as long as the last fit in what is left: one
    /// started with less would still be on the wire when the engine's deadline ends the call, and the user would read
    /// DeadlineExceeded instead of the diagnostic that says what was refused and what to do.
    /// </summary>
    private bool FitsBeforeDeadline(TimeSpan wait, TimeSpan lastAttempt) => wait + lastAttempt <= Remaining;

    private bool WithinWindow(Dictionary<string, long> firstNamed, string reason, TimeSpan window)
    {
        if (!firstNamed.TryGetValue(reason, out var first))
        {
            firstNamed[reason] = first = _time.GetTimestamp();
        }
        return _time.GetElapsedTime(first) < window;
    }

    private static string On(string subject) => subject.Length == 0 ? "" : " on " + subject;

    private string Name(string action) => $"{_errors.ActionPrefix}:{action}";

    private string Used(long started) => $"{_time.GetElapsedTime(started).TotalSeconds:0} s waited, {Remaining.TotalSeconds:0} s left";

    private static TimeSpan Double(TimeSpan delay, TimeSpan max) => TimeSpan.FromTicks(Math.Min(max.Ticks, delay.Ticks * 2));

    private static TimeSpan Longest(TimeSpan? hint, TimeSpan own) => hint is { } h && h > own ? h : own;

    // Jitter on the upper half keeps concurrent operations from retrying in lockstep.
    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks(delay.Ticks / 2 + (long)(Random.Shared.NextDouble() * (delay.Ticks / 2)));
}
