using System.Net;
using Amazon.EC2;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Retries;

namespace PublicIp.Tests.Retries;

/// <summary>
/// A code the call site waits out only for a while (EC2's InvalidIPAddress.InUse after a disassociate): the retry
/// primitive stops waiting that long after its first occurrence in one call, not at the deadline.
/// </summary>
public class RetryWindowTests
{
    private const string Why = "EC2 still sees the address associated";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    private sealed class QuietLog : IResourceLog
    {
        public Task DebugAsync(string message) => Task.CompletedTask;
        public Task InfoAsync(string message) => Task.CompletedTask;
        public Task WarningAsync(string message) => Task.CompletedTask;
        public Task ErrorAsync(string message) => Task.CompletedTask;
        public Task StatusAsync(string message) => Task.CompletedTask;
    }

    /// <summary>Every wait passes at once: the clock jumps by it, so minutes of backoff take milliseconds.</summary>
    private sealed class JumpingClock : TimeProvider
    {
        private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private long _ticks;

        public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override DateTimeOffset GetUtcNow() => Start + Elapsed;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                Interlocked.Add(ref _ticks, dueTime.Ticks);
                ThreadPool.QueueUserWorkItem(_ => callback(state));
            }
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private static (Retry Retry, JumpingClock Clock) Retry()
    {
        var clock = new JumpingClock();
        var budget = new RateBudget("EC2 test", _ => new BucketLimit(1000, 1000), time: clock);
        var call = new ResourceCall("urn:pulumi:test::p::publicip:aws:ElasticIp::web", "web", "publicip:aws:ElasticIp", false, CallTimeout, new QuietLog(),
            CancellationToken.None, "Delete", clock.GetUtcNow());
        return (new Retry(budget, new Ec2Limits(3), call, clock), clock);
    }

    private static AmazonEC2Exception InUse() =>
        new("The address is in use.") { ErrorCode = Ec2ErrorCodes.InvalidIPAddressInUse, StatusCode = HttpStatusCode.BadRequest };

    /// <summary>Releases that EC2 keeps refusing as in use; returns how many were sent and how long (on the clock) it took.</summary>
    private static async Task<(int Attempts, TimeSpan Took)> ReleaseRefusedAsync(Retry retry, JumpingClock clock, Func<Exception, TimeSpan?>? waitAtMost)
    {
        var attempts = 0;
        var from = clock.Elapsed;
        var refused = await Assert.ThrowsAsync<AmazonEC2Exception>(() => retry.RunAsync<bool>("ReleaseAddress", "203.0.113.5", _ =>
        {
            attempts++;
            throw InUse();
        }, e => e is AmazonEC2Exception { ErrorCode: Ec2ErrorCodes.InvalidIPAddressInUse } ? Why : null, waitAtMost: waitAtMost).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Ec2ErrorCodes.InvalidIPAddressInUse, refused.ErrorCode);
        return (attempts, clock.Elapsed - from);
    }

    private static TimeSpan? Ec2Window(Exception e) => e is AmazonEC2Exception { ErrorCode: { } code } ? Ec2WaitFor.ReleaseWaitAtMost(code) : null;

    [Fact]
    public async Task InUse_is_waited_out_for_60_s_after_the_first_in_each_call_then_reaches_the_caller()
    {
        var (retry, clock) = Retry();
        // A second call on the same Retry (the same operation) starts a window of its own.
        foreach (var call in new[] { "first", "second" })
        {
            var (attempts, took) = await ReleaseRefusedAsync(retry, clock, Ec2Window);
            Assert.True(attempts > 1, $"the {call} call retried ({attempts} attempts)");
            // Past the window by at most one backoff (10 s), far before the 10-minute deadline.
            Assert.InRange(took, Ec2WaitFor.InUseWindow, Ec2WaitFor.InUseWindow + TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Without_a_window_the_same_code_is_waited_out_until_the_deadline()
    {
        var (retry, clock) = Retry();
        var (_, took) = await ReleaseRefusedAsync(retry, clock, waitAtMost: null);
        Assert.True(took > CallTimeout - TimeSpan.FromSeconds(30), $"waited {took} of the {CallTimeout} timeout");
    }

    [Fact]
    public async Task A_deadline_met_in_the_rate_queue_after_throttling_names_the_clouds_own_code()
    {
        // One token and almost no refill: the throttled first attempt leaves the retry queued for a permit until the deadline.
        var clock = new JumpingClock();
        var budget = new RateBudget("Alibaba Cloud test", _ => new BucketLimit(1, 0.0001), time: clock);
        var call = new ResourceCall("urn:pulumi:test::p::publicip:alicloud:EipAddress::web", "web", "publicip:alicloud:EipAddress", false, CallTimeout,
            new QuietLog(), CancellationToken.None, "Delete", clock.GetUtcNow());
        var retry = new Retry(budget, new AlibabaLimits(3), call, clock);

        var failed = await Assert.ThrowsAsync<ResourceException>(() => retry.RunAsync<bool>("ReleaseEipAddress", "eip-bp1test", _ =>
            throw new AlibabaApiException("Throttling.User", "Request was denied due to user flow control.", null, null, null,
                HttpStatusCode.BadRequest, "ReleaseEipAddress")).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(FailureKind.Unavailable, failed.Kind);
        Assert.EndsWith("[Throttling.User]", failed.Message, StringComparison.Ordinal);
    }
}
