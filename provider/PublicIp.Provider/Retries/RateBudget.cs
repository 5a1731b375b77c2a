using System.Collections.Concurrent;

namespace PublicIp.Provider.Retries;

/// <summary>A cloud's documented token bucket for one API action: how many calls may burst, and how fast it refills.</summary>
public sealed record BucketLimit(int Capacity, double RefillPerSecond);

/// <summary>
/// The request-rate budget of one account and region (EC2) or one endpoint and region (Alibaba), shared by every
/// concurrent operation of the provider process, so concurrent Creates, Reads, Updates and Deletes queue for the
/// API in order instead of racing each other into the cloud's throttle.
/// <para>
/// One bucket per API action, started from the cloud's documented numbers (<paramref name="limitOf"/>), times
/// <paramref name="rateScale"/> (the user's knob for raised limits or for leaving room to other tools). The bucket is
/// the cloud's own model (capacity, refill per second, computed from elapsed time) with a FIFO queue, and it adapts:
/// a throttled answer empties it (the cloud just said its bucket is empty: ours must agree) and lowers the rate, and
/// calls that succeed raise it again, back to the documented rate and then slowly beyond it, since accounts may have
/// raised limits. A bucket arms its one timer only while requests wait, so an idle or discarded budget costs nothing.
/// </para>
/// <para>
/// Why not System.Threading.RateLimiting's <c>TokenBucketRateLimiter</c> (which this budget first used): its refill
/// rate is fixed at construction, and driving an adaptive rate through its manual <c>TryReplenish</c> does not work,
/// because each call adds the construction-time rate times the time since the previous call (and a full bucket does
/// not restart that clock). Our 20 ms refill ticks therefore granted about twice EC2's rate, and a destroy of 300
/// addresses drew some 190 RequestLimitExceeded answers where boto3's adaptive mode drew 5.
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

    /// <summary>The clock the buckets refill by (and coalescing readers wait by).</summary>
    public TimeProvider Time => _time;

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
            await bucket.AcquireAsync(ct);
            return new InFlightLease(this);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
    }

    /// <summary>Requests of <paramref name="action"/> waiting for a permit right now.</summary>
    public long Queued(string action) => Bucket(action).Queued;

    /// <summary>
    /// How long the longest queue of this budget takes to drain at its current rate; zero when nobody waits. While it
    /// is above zero the process is bound by the rate limit, so a read may wait that long for company at no cost.
    /// </summary>
    public TimeSpan QueueWait
    {
        get
        {
            var longest = 0.0;
            foreach (var bucket in _buckets.Values)
            {
                longest = Math.Max(longest, bucket.Drain);
            }
            return TimeSpan.FromSeconds(longest);
        }
    }

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

    /// <summary>
    /// A token bucket as the cloud keeps one (tokens accrue with elapsed time up to the capacity), with a FIFO queue
    /// and a rate that follows what the cloud answers.
    /// </summary>
    private sealed class AdaptiveBucket
    {
        // After a throttle, the rate drops by this factor (at most once per DecreaseSpacing: one throttle reaches
        // many in-flight requests at once, and they all report it).
        private const double Decrease = 0.8;
        private static readonly TimeSpan DecreaseSpacing = TimeSpan.FromSeconds(1);
        // Probing past the documented rate: only after this long without a throttle, and in small steps.
        private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(15);
        private const double ProbeStep = 0.05;
        private const double MaxOverDocumented = 4;
        // Our refill runs this many tokens behind the cloud's: the cloud's clock for a bucket starts when our first
        // request reaches it, a little after ours started (the first request of a process is the slowest: connection
        // set-up, JIT), and a request that arrives a moment before its token is a throttled one. One token costs a
        // 5/s bucket 0.2 s once per burst.
        private const double Lag = 1;

        private readonly object _gate = new();
        private readonly LinkedList<Waiter> _waiters = new();
        private readonly double _documented;
        private readonly int _capacity;
        private readonly TimeProvider _time;
        private readonly ITimer _timer;
        private double _tokens;
        private double _rate;
        // The rate fast recovery returns to: the documented one, raised by probes that the cloud did not refuse.
        private double _ceiling;
        private long _lastRefill;
        private long _lastThrottle;
        private long? _lastDecrease;
        private long _lastProbe;

        public AdaptiveBucket(int capacity, double rate, TimeProvider time)
        {
            _documented = rate;
            _capacity = capacity;
            _rate = rate;
            _ceiling = rate;
            _time = time;
            _tokens = capacity;
            _lastRefill = _lastThrottle = _lastProbe = time.GetTimestamp();
            _timer = time.CreateTimer(_ => Grant(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public double Rate
        {
            get { lock (_gate) { return _rate; } }
        }

        public long Queued
        {
            get { lock (_gate) { return _waiters.Count; } }
        }

        /// <summary>Seconds until everyone queued now has a permit.</summary>
        public double Drain
        {
            get { lock (_gate) { return _waiters.Count == 0 ? 0 : Math.Max(0, _waiters.Count - _tokens) / _rate; } }
        }

        /// <summary>Completes at once when a token is there and nobody queues before us: the lone call never waits.</summary>
        public ValueTask AcquireAsync(CancellationToken ct)
        {
            Waiter waiter;
            lock (_gate)
            {
                Refill();
                if (_waiters.Count == 0 && _tokens >= 1)
                {
                    Take();
                    return ValueTask.CompletedTask;
                }
                ct.ThrowIfCancellationRequested();
                waiter = new Waiter(this);
                waiter.Node = _waiters.AddLast(waiter);
                if (_waiters.Count == 1)
                {
                    Arm();
                }
            }
            return waiter.WaitAsync(ct);
        }

        private void Take()
        {
            if (_tokens >= _capacity)
            {
                // Leaving a full bucket: the cloud's starts refilling when this request reaches it.
                _lastRefill = Math.Max(_lastRefill, _time.GetTimestamp() + (long)(Lag / _rate * _time.TimestampFrequency));
            }
            _tokens -= 1;
        }

        private void Refill()
        {
            var now = _time.GetTimestamp();
            if (now <= _lastRefill)
            {
                return;
            }
            _tokens = Math.Min(_capacity, _tokens + _rate * (now - _lastRefill) / _time.TimestampFrequency);
            _lastRefill = now;
        }

        /// <summary>The timer is due when the head of the queue has its token (a late tick loses nothing: refill is by elapsed time).</summary>
        private void Arm()
        {
            var ahead = Math.Max(0, _lastRefill - _time.GetTimestamp()) / (double)_time.TimestampFrequency;
            var seconds = ahead + Math.Max(0, 1 - _tokens) / _rate;
            _timer.Change(TimeSpan.FromSeconds(Math.Max(0.001, seconds)), Timeout.InfiniteTimeSpan);
        }

        private void Grant()
        {
            while (true)
            {
                List<Waiter>? granted = null;
                lock (_gate)
                {
                    Refill();
                    while (_waiters.First is { } head && _tokens >= 1)
                    {
                        _waiters.RemoveFirst();
                        head.Value.Node = null;
                        Take();
                        (granted ??= []).Add(head.Value);
                    }
                    if (_waiters.Count > 0)
                    {
                        Arm();
                    }
                }
                var returned = 0;
                foreach (var waiter in granted ?? [])
                {
                    if (!waiter.TrySetResult())
                    {
                        returned++; // cancelled while we granted it: the token goes to the next in line
                    }
                }
                if (returned == 0)
                {
                    return;
                }
                lock (_gate)
                {
                    _tokens += returned;
                }
            }
        }

        private void Cancel(Waiter waiter)
        {
            lock (_gate)
            {
                if (waiter.Node is { } node)
                {
                    _waiters.Remove(node);
                    waiter.Node = null;
                }
            }
        }

        public void Throttled()
        {
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                if (_lastDecrease is not { } last || _time.GetElapsedTime(last, now) >= DecreaseSpacing)
                {
                    _rate = Math.Max(_documented * 0.1, _rate * Decrease);
                    _lastDecrease = now;
                }
                if (_ceiling > _documented)
                {
                    // The last probe went past what the account allows: recover to the rate before it.
                    _ceiling = Math.Max(_documented, _ceiling - _documented * ProbeStep);
                }
                _lastThrottle = _lastProbe = now;
                // The cloud's bucket is empty: so is ours, and a little behind it (see Lag).
                Refill();
                _tokens = Math.Min(_tokens, -Lag);
            }
        }

        public void Succeeded()
        {
            lock (_gate)
            {
                // Back to the planned rate quickly; past it only after a quiet spell, and in steps.
                if (_rate < _ceiling)
                {
                    Refill(); // tokens accrued so far at the old rate
                    _rate = Math.Min(_ceiling, _rate + _documented * 0.02);
                    return;
                }
                var now = _time.GetTimestamp();
                if (_time.GetElapsedTime(_lastThrottle, now) >= ProbeAfter && _time.GetElapsedTime(_lastProbe, now) >= ProbeAfter
                    && _rate < _documented * MaxOverDocumented)
                {
                    Refill();
                    _rate = _ceiling = _rate + _documented * ProbeStep;
                    _lastProbe = now;
                }
            }
        }

        /// <summary>One queued request: completed by <see cref="Grant"/>, or taken out of the queue when its caller gives up.</summary>
        private sealed class Waiter(AdaptiveBucket bucket) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            private readonly AdaptiveBucket _bucket = bucket;

            public LinkedListNode<Waiter>? Node { get; set; }

            public async ValueTask WaitAsync(CancellationToken ct)
            {
                using var registration = ct.UnsafeRegister(static (state, token) =>
                {
                    var waiter = (Waiter)state!;
                    waiter._bucket.Cancel(waiter);
                    waiter.TrySetCanceled(token);
                }, this);
                await Task;
            }
        }
    }
}
