using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace PublicIp.Provider.Retries;

/// <summary>A cloud's documented token bucket for one API action: how many calls may burst, and how fast it refills.</summary>
public sealed record BucketLimit(int Capacity, double RefillPerSecond);

/// <summary>
/// The request-rate budget of one account and region (EC2) or one endpoint and region (Alibaba), shared by every
/// concurrent operation of the provider process, so concurrent Creates, Reads, Updates and Deletes queue for the
/// API in order instead of racing each other into the cloud's throttle.
/// <para>
/// One bucket per API action, started from the cloud's documented numbers (<paramref name="limitOf"/>), times
/// <paramref name="rateScale"/> (the user's knob for raised limits or for leaving room to other tools).
/// Permits and their FIFO queue are System.Threading.RateLimiting's <see cref="TokenBucketRateLimiter"/>; only the
/// refill is ours, because the library's refill rate is fixed at construction and this one adapts: a throttled answer
/// empties the bucket (the cloud just said its bucket is empty: ours must agree) and lowers the rate, and calls that
/// succeed raise it again, back to the documented rate and then slowly beyond it, since accounts may have raised limits.
/// A bucket's refill timer stops while the bucket is full and nobody waits, so an idle or discarded budget costs nothing.
/// </para>
/// </summary>
public sealed class RateBudget
{
    private readonly ConcurrentDictionary<string, AdaptiveBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Func<string, BucketLimit> _limitOf;
    private readonly double _rateScale;
    private readonly TimeProvider _time;

    public RateBudget(string name, Func<string, BucketLimit> limitOf, double rateScale = 1, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rateScale);
        Name = name;
        _limitOf = limitOf;
        _rateScale = rateScale;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whose budget this is, in the user's words, e.g. "EC2 in us-east-1".</summary>
    public string Name { get; }

    /// <summary>Operations currently inside a call of this budget (waiting for a permit or awaiting the answer).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most operations that were inside a call at once (how parallel the engine is driving us).</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    private int _inFlight;
    private int _peakInFlight;

    /// <summary>Waits for a permit for one request of <paramref name="action"/>; dispose the lease when the answer arrived.</summary>
    public async ValueTask<IDisposable> AcquireAsync(string action, CancellationToken ct)
    {
        var bucket = Bucket(action);
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var peak = PeakInFlight; inFlight > peak; peak = PeakInFlight)
        {
            Interlocked.CompareExchange(ref _peakInFlight, inFlight, peak);
        }
        try
        {
            bucket.Wake();
            var lease = await bucket.Limiter.AcquireAsync(1, ct);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                throw new InvalidOperationException($"the {Name} rate limiter refused a permit for {action}");
            }
            lease.Dispose(); // token buckets do not take permits back; the lease only marks the grant
            return new InFlightLease(this);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
    }

    /// <summary>Requests of <paramref name="action"/> waiting for a permit right now.</summary>
    public long Queued(string action) => Bucket(action).Limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>The rate (requests per second) the bucket of <paramref name="action"/> now refills at.</summary>
    public double CurrentRate(string action) => Bucket(action).Rate;

    /// <summary>The cloud throttled a request of <paramref name="action"/>: its bucket is empty, so ours is too, and we slow down.</summary>
    public void Throttled(string action) => Bucket(action).Throttled();

    /// <summary>A request of <paramref name="action"/> got an answer that is not throttling.</summary>
    public void Succeeded(string action) => Bucket(action).Succeeded();

    private AdaptiveBucket Bucket(string action) => _buckets.GetOrAdd(action, a =>
    {
        var limit = _limitOf(a);
        return new AdaptiveBucket(limit.Capacity, limit.RefillPerSecond * _rateScale, _time);
    });

    private sealed class InFlightLease(RateBudget budget) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref budget._inFlight);
            }
        }
    }

    /// <summary>A token bucket whose refill we drive, so its rate can follow what the cloud answers.</summary>
    private sealed class AdaptiveBucket
    {
        // Refill granularity: fine enough that a 5/s bucket never lags a permit behind the cloud's.
        private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);
        // After a throttle, the rate drops by this factor (at most once per DecreaseSpacing: one throttle reaches
        // many in-flight requests at once, and they all report it).
        private const double Decrease = 0.8;
        private static readonly TimeSpan DecreaseSpacing = TimeSpan.FromSeconds(1);
        // Probing past the documented rate: only after this long without a throttle, and in small steps.
        private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(15);
        private const double ProbeStep = 0.05;
        private const double MaxOverDocumented = 4;

        private readonly object _gate = new();
        private readonly double _documented;
        private readonly int _capacity;
        private readonly TimeProvider _time;
        private readonly ITimer _timer;
        private double _rate;
        // The rate fast recovery returns to: the documented one, raised by probes that the cloud did not refuse.
        private double _ceiling;
        private double _owed;
        private long _lastRefill;
        private long _lastThrottle;
        private long _lastDecrease;
        private long _lastProbe;
        private bool _idle;

        public AdaptiveBucket(int capacity, double rate, TimeProvider time)
        {
            _documented = rate;
            _capacity = capacity;
            _rate = rate;
            _ceiling = rate;
            _time = time;
            Limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = capacity,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = Tick,
                AutoReplenishment = false,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            _lastRefill = _lastThrottle = _lastProbe = time.GetTimestamp();
            _owed = -0.5;
            _timer = time.CreateTimer(_ => Refill(), null, Tick, Tick);
        }

        /// <summary>A full bucket with nobody waiting needs no refill timer; the next acquire starts it again.</summary>
        public void Wake()
        {
            lock (_gate)
            {
                if (!_idle)
                {
                    return;
                }
                _idle = false;
                _lastRefill = _time.GetTimestamp();
                _owed = -0.5;
                _timer.Change(Tick, Tick);
            }
        }

        public TokenBucketRateLimiter Limiter { get; }

        public double Rate
        {
            get { lock (_gate) { return _rate; } }
        }

        private void Refill()
        {
            int tokens;
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                _owed += _rate * _time.GetElapsedTime(_lastRefill, now).TotalSeconds;
                _lastRefill = now;
                tokens = (int)_owed;
                _owed -= tokens;
            }
            for (var i = 0; i < tokens; i++)
            {
                Limiter.TryReplenish();
            }
            var statistics = Limiter.GetStatistics();
            if (statistics is { CurrentQueuedCount: 0 } && statistics.CurrentAvailablePermits >= _capacity)
            {
                lock (_gate)
                {
                    _idle = true;
                    _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
            }
        }

        public void Throttled()
        {
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                if (_time.GetElapsedTime(_lastDecrease, now) >= DecreaseSpacing)
                {
                    _rate = Math.Max(_documented * 0.1, _rate * Decrease);
                    _lastDecrease = now;
                }
                _lastThrottle = _lastProbe = now;
                // Half a token behind the cloud's refill from now on: a permit granted a moment before the cloud's
                // bucket has its token is a throttled call.
                _owed = -0.5;
            }
            // The cloud's bucket is empty: take every permit ours still has, so nobody sends into the throttle.
            var available = Limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
            if (available > 0)
            {
                Limiter.AttemptAcquire((int)Math.Min(available, int.MaxValue)).Dispose();
            }
        }

        public void Succeeded()
        {
            lock (_gate)
            {
                // Back to the planned rate quickly; past it only after a quiet spell, and in steps.
                if (_rate < _ceiling)
                {
                    _rate = Math.Min(_ceiling, _rate + _documented * 0.02);
                    return;
                }
                var now = _time.GetTimestamp();
                if (_time.GetElapsedTime(_lastThrottle, now) >= ProbeAfter && _time.GetElapsedTime(_lastProbe, now) >= ProbeAfter
                    && _rate < _documented * MaxOverDocumented)
                {
                    _rate = _ceiling = _rate + _documented * ProbeStep;
                    _lastProbe = now;
                }
            }
        }
    }
}
