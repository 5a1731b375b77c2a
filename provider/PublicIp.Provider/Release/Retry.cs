using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Release;

/// <summary>How long and how often to retry one step; the engine's timeout still bounds the whole operation.</summary>
public sealed record RetryOptions(TimeSpan Budget, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    public static readonly RetryOptions EventualConsistency = new(TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
}

/// <summary>
/// Retries one cloud call while <c>retryable</c> names the error as one that waiting can fix. Every retry
/// is shown as a status line, so a long wait on a slow cloud never looks like a hang.
/// </summary>
public static class Retry
{
    /// <param name="retryable">Returns why the error is worth waiting out (shown to the user), or null to fail at once.</param>
    public static async Task<T> WhileAsync<T>(
        string step,
        Func<CancellationToken, Task<T>> attempt,
        Func<Exception, string?> retryable,
        RetryOptions options,
        IResourceLog log,
        TimeProvider time,
        CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var delay = options.InitialDelay;
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            try
            {
                return await attempt(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && retryable(e) is { } reason
                                      && time.GetElapsedTime(started) + delay < options.Budget)
            {
                await log.StatusAsync($"{step}: {reason}; retrying in {delay.TotalSeconds:0.#} s (attempt {attemptNumber})");
                await Task.Delay(Jitter(delay), time, ct);
                delay = TimeSpan.FromTicks(Math.Min(options.MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    public static Task WhileAsync(
        string step, Func<CancellationToken, Task> attempt, Func<Exception, string?> retryable,
        RetryOptions options, IResourceLog log, TimeProvider time, CancellationToken ct) =>
        WhileAsync<bool>(step, async c => { await attempt(c); return true; }, retryable, options, log, time, ct);

    // Full jitter on the upper half keeps concurrent destroys from retrying in lockstep.
    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks(delay.Ticks / 2 + (long)(Random.Shared.NextDouble() * (delay.Ticks / 2)));
}
