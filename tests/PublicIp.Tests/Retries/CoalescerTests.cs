using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Moq;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Retries;

namespace PublicIp.Tests.Retries;

/// <summary>
/// Coalesced reads at the IAmazonEC2 seam (Moq injects EC2's faults): concurrent reads share one call, a batch EC2
/// refuses as a whole falls back to one call per id so one missing address never fails the others, and a lone read is
/// the single-id call it always was, sent without any timer.
/// </summary>
public class CoalescerTests
{
    private const string First = "eipalloc-00000000000000001";
    private const string Present1 = "eipalloc-00000000000000002";
    private const string Missing = "eipalloc-00000000000000003";
    private const string Present2 = "eipalloc-00000000000000004";

    private static readonly Ec2Limits Limits = new(maxServerErrorRetries: 0);

    private static AmazonEC2Exception NotFound(string id) =>
        new($"The allocation ID '{id}' does not exist") { ErrorCode = "InvalidAllocationID.NotFound", StatusCode = HttpStatusCode.BadRequest };

    private static AddressAttribute Ptr(string id) => new() { AllocationId = id, PublicIp = "203.0.113.9", PtrRecord = $"{id}.example.com." };

    /// <summary>
    /// The first read's call is held until the others queued behind it, so they ride one batch. <paramref name="held"/>
    /// is completed by the mock when the first call arrives, and its result lets the call go on.
    /// </summary>
    private static async Task<Task<T>[]> ReadBehindAHeldCall<T>(Held held, Func<string, Task<T>> read, params string[] behind)
    {
        var first = read(First);
        await held.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var rest = behind.Select(read).ToArray();
        await Task.Delay(50); // the followers are queued: nothing is sent for them while the first call is out
        held.Release.SetResult();
        return [first, .. rest];
    }

    private sealed class Held
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task WaitAsync()
        {
            Arrived.TrySetResult();
            await Release.Task;
        }
    }

    /// <summary>A PTR batcher over a mocked EC2 that holds the call for <see cref="First"/> and answers with <paramref name="answer"/>.</summary>
    private static (PtrBatcher Ptrs, Mock<IAmazonEC2> Ec2) PtrsHeldOnFirst(Held held, Func<DescribeAddressesAttributeRequest, DescribeAddressesAttributeResponse> answer)
    {
        var ec2 = new Mock<IAmazonEC2>(MockBehavior.Strict);
        ec2.Setup(m => m.DescribeAddressesAttributeAsync(It.IsAny<DescribeAddressesAttributeRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (DescribeAddressesAttributeRequest r, CancellationToken _) =>
            {
                if (r.AllocationIds.Contains(First))
                {
                    await held.WaitAsync();
                }
                return answer(r);
            });
        return (new PtrBatcher(ec2.Object, new RateBudget("EC2 test", Ec2Limits.For), Limits), ec2);
    }

    [Fact]
    public async Task A_PTR_batch_that_fails_for_one_missing_id_falls_back_so_the_others_get_their_records()
    {
        var held = new Held();
        // As EC2 does: one id that is gone fails the whole call.
        var (ptrs, ec2) = PtrsHeldOnFirst(held, r => r.AllocationIds.Contains(Missing)
            ? throw NotFound(Missing)
            : new DescribeAddressesAttributeResponse { Addresses = [.. r.AllocationIds.Select(Ptr)] });

        var reads = await ReadBehindAHeldCall(held, id => ptrs.FindAsync(id, CancellationToken.None), Present1, Missing, Present2);

        Assert.Equal($"{First}.example.com", (await reads[0]).Record);
        Assert.Equal($"{Present1}.example.com", (await reads[1]).Record);
        Assert.Equal($"{Present2}.example.com", (await reads[3]).Record);
        // The missing address gets the answer it would have had alone; the others never see it.
        var missing = await Assert.ThrowsAsync<AmazonEC2Exception>(() => reads[2]);
        Assert.Equal("InvalidAllocationID.NotFound", missing.ErrorCode);
        var requests = ec2.Invocations.Select(i => (DescribeAddressesAttributeRequest)i.Arguments[0]!).ToList();
        var calls = requests.Select(r => r.AllocationIds.ToList()).ToList();
        Assert.Equal([First], calls[0]);
        Assert.Equal([Present1, Missing, Present2], calls[1]); // the three queued reads rode one call
        Assert.Equal(5, calls.Count); // then one call each
        Assert.All(requests, r => Assert.Equal(AddressAttributeName.DomainName, r.Attribute));
    }

    [Fact]
    public async Task An_address_batch_EC2_refuses_as_a_whole_is_asked_again_per_address()
    {
        var ec2 = new Mock<IAmazonEC2>(MockBehavior.Strict);
        var held = new Held();
        ec2.Setup(m => m.DescribeAddressesAsync(It.IsAny<DescribeAddressesRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (DescribeAddressesRequest r, CancellationToken _) =>
            {
                if (r.Filters is { Count: > 0 })
                {
                    throw new AmazonEC2Exception("The request uses too many filter values") { ErrorCode = "FilterLimitExceeded", StatusCode = HttpStatusCode.BadRequest };
                }
                var id = r.AllocationIds.Single();
                if (id == First)
                {
                    await held.WaitAsync();
                }
                return id == Missing ? throw NotFound(Missing) : new DescribeAddressesResponse { Addresses = [new Address { AllocationId = id, PublicIp = "203.0.113.9" }] };
            });
        var addresses = new AddressBatcher(ec2.Object, new RateBudget("EC2 test", Ec2Limits.For), Limits);

        var reads = await ReadBehindAHeldCall(held, id => addresses.LookupAsync(id, CancellationToken.None), Present1, Missing, Present2);

        Assert.Equal(First, (await reads[0]).Address?.AllocationId);
        Assert.Equal(Present1, (await reads[1]).Address?.AllocationId);
        Assert.False((await reads[2]).Exists); // alone, a missing address is simply not found
        Assert.Equal(Present2, (await reads[3]).Address?.AllocationId);
        var requests = ec2.Invocations.Select(i => (DescribeAddressesRequest)i.Arguments[0]!).ToList();
        Assert.Equal([Present1, Missing, Present2], requests[1].Filters.Single(f => f.Name == "allocation-id").Values);
        Assert.Equal(5, requests.Count);
    }

    [Fact]
    public async Task A_throttled_batch_fails_every_read_on_it_without_a_fallback_so_each_read_retries_by_its_budget()
    {
        var held = new Held();
        var (ptrs, ec2) = PtrsHeldOnFirst(held, r => r.AllocationIds.Contains(First)
            ? new DescribeAddressesAttributeResponse()
            : throw new AmazonEC2Exception("Request limit exceeded.") { ErrorCode = "RequestLimitExceeded", StatusCode = HttpStatusCode.ServiceUnavailable });

        var reads = await ReadBehindAHeldCall(held, id => ptrs.FindAsync(id, CancellationToken.None), Present1, Present2);

        Assert.Equal(PtrState.None, await reads[0]);
        Assert.Equal("RequestLimitExceeded", (await Assert.ThrowsAsync<AmazonEC2Exception>(() => reads[1])).ErrorCode);
        Assert.Equal("RequestLimitExceeded", (await Assert.ThrowsAsync<AmazonEC2Exception>(() => reads[2])).ErrorCode);
        Assert.Equal(2, ec2.Invocations.Count); // a throttle is waited out by each read's Retry, not by asking alone at once
    }

    [Fact]
    public async Task A_lone_read_is_the_single_id_call_and_is_sent_without_any_timer()
    {
        var ec2 = new Mock<IAmazonEC2>(MockBehavior.Strict);
        ec2.Setup(m => m.DescribeAddressesAttributeAsync(It.Is<DescribeAddressesAttributeRequest>(r => r.AllocationIds.Single() == First), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesAttributeResponse { Addresses = [Ptr(First)] });
        ec2.Setup(m => m.DescribeAddressesAsync(It.Is<DescribeAddressesRequest>(r => r.AllocationIds.Single() == First && r.Filters == null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesResponse { Addresses = [new Address { AllocationId = First }] });
        // A clock whose timers never fire: a lone read that waited for anything (a gather window, a refill) would hang.
        var budget = new RateBudget("EC2 test", Ec2Limits.For, time: new StoppedClock());

        var ptr = await new PtrBatcher(ec2.Object, budget, Limits).FindAsync(First, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var address = await new AddressBatcher(ec2.Object, budget, Limits).LookupAsync(First, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal($"{First}.example.com", ptr.Record);
        Assert.Equal(First, address.Address?.AllocationId);
        Assert.Equal(2, ec2.Invocations.Count);
    }

    /// <summary>Time stands still: timestamps never advance and timers never fire.</summary>
    internal sealed class StoppedClock : TimeProvider
    {
        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverFires();

        private sealed class NeverFires : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
