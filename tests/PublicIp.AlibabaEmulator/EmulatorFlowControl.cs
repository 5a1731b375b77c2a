using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace PublicIp.AlibabaEmulator;

/// <summary>
/// Alibaba Cloud's API flow control: a token bucket per API (per account and region), answering an empty bucket with
/// HTTP 400 <c>Throttling.User</c> ("Request was denied due to user flow control.") and an <c>x-acs-retry-after</c>
/// header in milliseconds, as the ECS and VPC endpoints do. Alibaba sets quotas per API in its consoles; the emulator
/// defaults to 20 calls/s (burst 20) for Describe calls and 10/s (burst 10) for changes, times
/// <see cref="RefillScale"/> for test speed.
/// </summary>
public sealed class EmulatorFlowControl(double refillScale = 1) : IDisposable
{
    private readonly ConcurrentDictionary<string, (TokenBucketRateLimiter Bucket, double Rate)> _buckets = new(StringComparer.Ordinal);
    private long _throttled;

    public double RefillScale { get; } = refillScale;

    public long Throttled => Interlocked.Read(ref _throttled);

    public static (int Capacity, double PerSecond) Quota(string action) =>
        action.StartsWith("Describe", StringComparison.Ordinal) ? (20, 20) : (10, 10);

    /// <summary>The least time the quota allows for <paramref name="calls"/> of one API.</summary>
    public TimeSpan LeastTime(string action, int calls)
    {
        var (capacity, perSecond) = Quota(action);
        return calls <= capacity ? TimeSpan.Zero : TimeSpan.FromSeconds((calls - capacity) / (perSecond * RefillScale));
    }

    /// <summary>Null when the call may go ahead; otherwise the error Alibaba answers.</summary>
    internal EmulatorErrorException? Check(string action)
    {
        var (bucket, rate) = _buckets.GetOrAdd(action, a =>
        {
            var (capacity, perSecond) = Quota(a);
            var r = perSecond * RefillScale;
            var tokensPerStep = Math.Max(1, (int)Math.Round(r / 100));
            return (new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = capacity,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerStep / r),
                QueueLimit = 0,
                AutoReplenishment = true,
            }), r);
        });
        using var lease = bucket.AttemptAcquire(1);
        if (lease.IsAcquired)
        {
            return null;
        }
        Interlocked.Increment(ref _throttled);
        return new EmulatorErrorException(400, "Throttling.User", "Request was denied due to user flow control.", Math.Max(1, (int)Math.Ceiling(1000 / rate)));
    }

    public void Dispose()
    {
        foreach (var (bucket, _) in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}
