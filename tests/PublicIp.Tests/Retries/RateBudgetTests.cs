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
}
