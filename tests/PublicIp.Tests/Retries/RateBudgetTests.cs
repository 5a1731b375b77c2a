using PublicIp.AwsEmulation;
using PublicIp.Provider.Retries;

namespace PublicIp.Tests.Retries;

/// <summary>The shared request budget adapts to the cloud: a throttle empties it and slows it down, successes bring it back.</summary>
public class RateBudgetTests
{
    private static RateBudget Budget(int capacity = 5, double rate = 10) => new("EC2 test", _ => new BucketLimit(capacity, rate));

    [Fact]
    public async Task A_full_bucket_grants_at_once_so_a_lone_call_never_waits()
    {
        var budget = Budget();
        var acquiring = budget.AcquireAsync("ReleaseAddress", CancellationToken.None);
        Assert.True(acquiring.IsCompleted);
        (await acquiring).Dispose();
        Assert.Equal(0, budget.InFlight);
    }

    [Fact]
    public async Task A_throttle_empties_the_bucket_and_lowers_the_rate_and_successes_restore_it()
    {
        var budget = Budget();
        budget.Throttled("ReleaseAddress");
        Assert.Equal(8, budget.CurrentRate("ReleaseAddress"), 3);
        // The cloud said its bucket is empty: ours must not grant the four permits it still had.
        var next = budget.AcquireAsync("ReleaseAddress", CancellationToken.None);
        Assert.False(next.IsCompleted);
        (await next).Dispose(); // refilled within a fraction of a second
        for (var i = 0; i < 20; i++)
        {
            budget.Succeeded("ReleaseAddress");
        }
        Assert.Equal(10, budget.CurrentRate("ReleaseAddress"), 3);
    }

    [Fact]
    public void Buckets_are_per_action()
    {
        var budget = Budget();
        budget.Throttled("ReleaseAddress");
        Assert.Equal(10, budget.CurrentRate("DisassociateAddress"), 3);
        Assert.Equal(Ec2Limits.Mutating, Ec2Limits.For("ReleaseAddress"));
        Assert.Equal(Ec2Limits.NonMutating, Ec2Limits.For("DescribeAddresses"));
        Assert.Equal(Ec2Limits.Tagging, Ec2Limits.For("CreateTags"));
    }

    [Fact]
    public async Task The_budget_never_grants_a_call_that_EC2s_bucket_would_refuse()
    {
        // EC2's ReleaseAddress bucket (50, refilled at 5/s) at 5 times the refill, ours planned from the same numbers;
        // each granted permit spends a token of the emulated bucket at once, as a request reaching EC2 would. The
        // budget this replaced granted twice the refill rate here (about 50 refusals of 100 calls).
        const double scale = 5;
        using var ec2 = new Ec2Throttling(scale);
        Assert.True(ec2.TryTake("eu-west-1", "ReleaseAddress")); // another region's bucket: the emulator's code is warm
        var budget = new RateBudget("EC2 test", Ec2Limits.For, scale);
        var refused = 0;
        var sent = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref sent) <= 100)
            {
                using var lease = await budget.AcquireAsync("ReleaseAddress", CancellationToken.None);
                if (!ec2.TryTake("us-east-1", "ReleaseAddress"))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })));
        Assert.Equal(0, refused);
        Assert.Equal(25, budget.CurrentRate("ReleaseAddress"), 3); // never throttled, so never slowed down
    }

    [Fact]
    public async Task A_queued_request_that_gives_up_leaves_the_queue_and_its_token_goes_to_the_next()
    {
        var budget = Budget(capacity: 1, rate: 5);
        (await budget.AcquireAsync("ReleaseAddress", CancellationToken.None)).Dispose();
        using var giveUp = new CancellationTokenSource();
        var abandoned = budget.AcquireAsync("ReleaseAddress", giveUp.Token).AsTask();
        var next = budget.AcquireAsync("ReleaseAddress", CancellationToken.None).AsTask();
        Assert.Equal(2, budget.Queued("ReleaseAddress"));
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(1, budget.Queued("ReleaseAddress"));
        (await next).Dispose(); // the one token of the next 0.2 s is not spent on the request that gave up
        Assert.Equal(0, budget.InFlight);
    }
}
