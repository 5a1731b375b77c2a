using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace PublicIp.AwsEmulation;

/// <summary>
/// EC2's request throttling as the EC2 developer guide documents it ("Request throttling for the Amazon EC2 API"),
/// which moto does not emulate: a token bucket per account, region and API action; mutating actions 50 tokens
/// refilled at 5/s, non-mutating actions (Describe*) 100 at 20/s, CreateTags/DeleteTags 100 at 10/s. A call that
/// finds its bucket empty is answered RequestLimitExceeded with HTTP 503 and EC2's error XML, and changes nothing.
/// <para>
/// <see cref="RefillScale"/> speeds every refill up for tests (10 = ten times the documented rates) and keeps the
/// bucket sizes, so the shape of the throttle (burst, then a steady rate) stays EC2's. Each bucket is a
/// System.Threading.RateLimiting token bucket without a queue: EC2 answers at once, it never holds a call.
/// </para>
/// </summary>
public sealed class Ec2Throttling : IDisposable
{
    private readonly ConcurrentDictionary<(string Region, string Action), TokenBucketRateLimiter> _buckets = new();
    private long _throttled;

    public Ec2Throttling(double refillScale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refillScale);
        RefillScale = refillScale;
    }

    public double RefillScale { get; }

    /// <summary>Calls answered RequestLimitExceeded so far.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>The documented bucket of an action: (capacity, tokens per second).</summary>
    public static (int Capacity, double PerSecond) Documented(string action) => action switch
    {
        "CreateTags" or "DeleteTags" => (100, 10),
        _ when action.StartsWith("Describe", StringComparison.Ordinal) || action.StartsWith("Get", StringComparison.Ordinal) => (100, 20),
        _ => (50, 5),
    };

    /// <summary>
    /// The least time the buckets allow for <paramref name="calls"/> of one action made by one account: the first
    /// <c>capacity</c> calls go at once, each further one waits for a token.
    /// </summary>
    public TimeSpan LeastTime(string action, int calls)
    {
        var (capacity, perSecond) = Documented(action);
        return calls <= capacity ? TimeSpan.Zero : TimeSpan.FromSeconds((calls - capacity) / (perSecond * RefillScale));
    }

    /// <summary>Takes a token for the call; false means EC2 answers RequestLimitExceeded.</summary>
    public bool TryTake(string region, string action)
    {
        var bucket = _buckets.GetOrAdd((region, action), key =>
        {
            var (capacity, perSecond) = Documented(key.Action);
            var rate = perSecond * RefillScale;
            // Replenish in steps of at least 10 ms: whole tokens per step, the step as short as the rate allows.
            var tokensPerStep = Math.Max(1, (int)Math.Round(rate / 100));
            return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = capacity,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerStep / rate),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        using var lease = bucket.AttemptAcquire(1);
        if (!lease.IsAcquired)
        {
            Interlocked.Increment(ref _throttled);
        }
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
        _buckets.Clear();
    }
}
