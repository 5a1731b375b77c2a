using System.Collections.Concurrent;
using System.Diagnostics;

namespace PublicIp.AwsEmulation;

/// <summary>
/// EC2's request throttling as the EC2 developer guide documents it ("Request throttling for the Amazon EC2 API"),
/// which moto does not emulate: a token bucket per account, region and API action; mutating actions 50 tokens
/// refilled at 5/s, non-mutating actions (Describe*) 100 at 20/s, CreateTags/DeleteTags 100 at 10/s. A call that
/// finds its bucket empty is answered RequestLimitExceeded with HTTP 503 and EC2's error XML, and changes nothing.
/// <para>
/// <see cref="RefillScale"/> speeds every refill up for tests (10 = ten times the documented rates) and keeps the
/// bucket sizes, so the shape of the throttle (burst, then a steady rate) stays EC2's. EC2 answers at once, it never
/// holds a call, so a bucket has no queue. The refill is computed from the time elapsed at each call, as a cloud's
/// bucket is, rather than System.Threading.RateLimiting's timer: its auto-replenishment adds a fixed amount per timer
/// tick, so on a loaded machine (late ticks) the emulated EC2 refilled slower than documented and the least time the
/// benchmark reports was not the least time the emulator allowed.
/// </para>
/// </summary>
public sealed class Ec2Throttling : IDisposable
{
    private readonly ConcurrentDictionary<(string Region, string Action), Bucket> _buckets = new();
    private readonly ConcurrentDictionary<string, long> _throttledBy = new(StringComparer.Ordinal);
    private long _throttled;

    public Ec2Throttling(double refillScale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refillScale);
        RefillScale = refillScale;
    }

    public double RefillScale { get; }

    /// <summary>Calls answered RequestLimitExceeded so far.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Calls answered RequestLimitExceeded so far, per API action.</summary>
    public IReadOnlyDictionary<string, long> ThrottledByAction => _throttledBy.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

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
            return new Bucket(capacity, perSecond * RefillScale);
        });
        if (bucket.TryTake())
        {
            return true;
        }
        Interlocked.Increment(ref _throttled);
        _throttledBy.AddOrUpdate(action, 1, (_, n) => n + 1);
        return false;
    }

    /// <summary>Full at first (as after a quiet spell); refilled by the time elapsed, never past its capacity.</summary>
    private sealed class Bucket(int capacity, double perSecond)
    {
        private readonly object _gate = new();
        private double _tokens = capacity;
        private long _last = Stopwatch.GetTimestamp();

        public bool TryTake()
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                _tokens = Math.Min(capacity, _tokens + perSecond * Stopwatch.GetElapsedTime(_last, now).TotalSeconds);
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens -= 1;
                return true;
            }
        }
    }

    public void Dispose() => _buckets.Clear();
}
