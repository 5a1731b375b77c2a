using Amazon.EC2.Model;
using Grpc.Core;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;

namespace PublicIp.Tests.Aws;

/// <summary>
/// Ownership marks, idempotent AllocateAddress and interrupted-create recovery, through the published binary against
/// moto behind the EC2 proxy. Each test names its resource uniquely: a URN's marks are what these tests are about.
/// </summary>
public sealed class ElasticIpOwnershipTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<List<Address>> MarkedForAsync(string name)
    {
        var hash = OwnershipMarks.HashUrn(LifecycleHarness.Urn(Type, name));
        var all = await Aws.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        return (all.Addresses ?? []).Where(a => (a.Tags ?? []).Any(t => t.Key == OwnershipMarks.UrnHashKey && t.Value == hash)).ToList();
    }

    /// <summary>What a Create killed after AllocateAddress reached EC2 leaves behind: a marked address no state holds.</summary>
    private async Task<Address> LeftByAnInterruptedCreateAsync(string name)
    {
        var marks = OwnershipMarks.For(LifecycleHarness.Urn(Type, name), "killed0000000000", DateTimeOffset.UtcNow.AddMinutes(-5));
        var allocated = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest
        {
            Domain = Amazon.EC2.DomainType.Vpc,
            TagSpecifications = [new TagSpecification { ResourceType = Amazon.EC2.ResourceType.ElasticIp, Tags = marks.Select(m => new Tag { Key = m.Key, Value = m.Value }).ToList() }],
        });
        return (await Aws.FindInMotoAsync(allocated.AllocationId))!;
    }

    [Fact]
    public async Task Create_marks_the_address_in_the_allocation_itself_and_the_marks_never_show_as_tags_or_drift()
    {
        var name = Unique("marked");
        await using var h = await Aws.StartPluginAsync();

        var up = (await h.UpAsync(Spec(name, ("tags", new Dictionary<string, object?> { ["team"] = "net" })))).EnsureOk();

        // One call, tags included: no window in which the address exists unmarked.
        var allocate = Assert.Single(Aws.Proxy.Journal.For("AllocateAddress"));
        Assert.DoesNotContain("CreateTags", Aws.Proxy.Journal.Actions);
        Assert.Contains(allocate.Parameters, p => p.Value == OwnershipMarks.UrnHashKey);
        var live = Assert.Single(await MarkedForAsync(name));
        Assert.Equal(up.Id, live.AllocationId);
        var mark = OwnershipMarks.Read((live.Tags ?? []).Select(t => KeyValuePair.Create(t.Key, t.Value)))!;
        Assert.Equal("publicip-tests/test", mark.Stack);
        Assert.Equal(name, mark.Name);
        Assert.Equal(LifecycleHarness.Urn(Type, name), mark.Urn);
        Assert.InRange(mark.AllocatedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Contains(live.Tags!, t => t.Key == "team" && t.Value == "net");

        Assert.Equal(["team"], up.Outputs.Get("tags") is { } tags ? new PublicIp.Protocol.Resources.InputReader(PublicIp.Protocol.Values.PropertyMap.Empty.Set("t", tags)).StringMap("t")!.Keys : []);
        var refreshed = (await h.RefreshAsync(name)).EnsureOk();
        Assert.DoesNotContain("publicip:", refreshed.Outputs.Get("tags")?.ToString() ?? "", StringComparison.Ordinal);
        var again = (await h.UpAsync(Spec(name, ("tags", new Dictionary<string, object?> { ["team"] = "net" })))).EnsureOk();
        Assert.Equal(Pulumirpc.DiffResponse.Types.DiffChanges.DiffNone, again.Diff!.Changes);

        // Removing every user tag leaves the marks in place.
        (await h.UpAsync(Spec(name))).EnsureOk();
        Assert.Single(await MarkedForAsync(name));
        (await h.DestroyAsync(name)).EnsureOk();
    }

    [Fact]
    public async Task With_ownershipMarks_false_the_address_carries_only_the_users_tags()
    {
        var name = Unique("unmarked");
        await using var h = await Aws.StartPluginAsync(("ownershipMarks", false));

        var up = (await h.UpAsync(Spec(name, ("tags", new Dictionary<string, object?> { ["team"] = "net" })))).EnsureOk();

        var live = await Aws.FindInMotoAsync(up.Id!);
        Assert.Equal([("team", "net")], (live!.Tags ?? []).Select(t => (t.Key, t.Value)));
        (await h.DestroyAsync(name)).EnsureOk();
    }

    [Fact]
    public async Task A_user_tag_in_the_reserved_prefix_is_a_check_failure_on_tags()
    {
        await using var h = await Aws.StartPluginAsync();

        var result = await h.UpAsync(Spec(Unique("reserved"), ("tags", new Dictionary<string, object?> { ["publicip:stack"] = "mine" })));

        var failure = Assert.Single(result.CheckFailures);
        Assert.Equal("tags", failure.Property);
        Assert.Contains("reserves", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("AllocateAddress", Aws.Proxy.Journal.Actions);
    }

    [Fact]
    public async Task An_AllocateAddress_whose_answer_was_lost_is_found_by_its_marks_not_repeated()
    {
        var name = Unique("lost-answer");
        Aws.Proxy.Inject(Fault.AfterForward("AllocateAddress", Ec2Error.Unavailable()));
        await using var h = await Aws.StartPluginAsync(); // awsMaxRetries=1: the SDK alone would allocate a second address

        var up = (await h.UpAsync(Spec(name))).EnsureOk();

        Assert.Single(Aws.Proxy.Journal.For("AllocateAddress")); // moto allocated once; the retry looked first
        var live = Assert.Single(await MarkedForAsync(name));
        Assert.Equal(live.AllocationId, up.Id);
        (await h.DestroyAsync(name)).EnsureOk();
        Assert.Empty(await MarkedForAsync(name));
    }

    [Fact]
    public async Task After_an_interrupted_create_the_next_create_allocates_nothing_and_says_how_to_adopt_or_release()
    {
        var name = Unique("interrupted");
        var left = await LeftByAnInterruptedCreateAsync(name);
        await using var h = await Aws.StartPluginAsync();

        var result = await h.UpAsync(Spec(name));

        Assert.Equal(StatusCode.FailedPrecondition, result.Code);
        var urn = LifecycleHarness.Urn(Type, name);
        Assert.Contains($"pulumi refresh --stack test --import-pending-creates '{urn}' --import-pending-creates {left.AllocationId}", result.Error, StringComparison.Ordinal);
        Assert.Contains("publicip:interruptedCreates adopt", result.Error, StringComparison.Ordinal);
        Assert.Contains("publicip:interruptedCreates release", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("AllocateAddress", Aws.Proxy.Journal.Actions);
        Assert.Single(await MarkedForAsync(name));
    }

    [Fact]
    public async Task With_interruptedCreates_adopt_the_next_create_takes_the_address_it_left()
    {
        var name = Unique("adopt");
        var left = await LeftByAnInterruptedCreateAsync(name);
        await using var h = await Aws.StartPluginAsync(("interruptedCreates", "adopt"));

        var up = (await h.UpAsync(Spec(name))).EnsureOk();

        Assert.Equal(left.AllocationId, up.Id);
        Assert.Equal(left.PublicIp, up.Outputs.Str("publicIp"));
        Assert.DoesNotContain("AllocateAddress", Aws.Proxy.Journal.Actions);
        Assert.Contains(AwsFixture.Said(h, Pulumirpc.LogSeverity.Warning), m => m.Contains($"adopted {left.PublicIp}", StringComparison.Ordinal));
        (await h.DestroyAsync(name)).EnsureOk();
        Assert.Empty(await MarkedForAsync(name));
    }

    [Fact]
    public async Task With_interruptedCreates_release_the_next_create_releases_what_it_left_then_allocates()
    {
        var name = Unique("release");
        var left = await LeftByAnInterruptedCreateAsync(name);
        await using var h = await Aws.StartPluginAsync(("interruptedCreates", "release"));

        var up = (await h.UpAsync(Spec(name))).EnsureOk();

        Assert.NotEqual(left.AllocationId, up.Id);
        Assert.Null(await Aws.FindInMotoAsync(left.AllocationId));
        Assert.Equal(up.Id, Assert.Single(await MarkedForAsync(name)).AllocationId);
        (await h.DestroyAsync(name)).EnsureOk();
    }

    [Fact]
    public async Task A_create_before_delete_replacement_never_mistakes_the_address_it_replaces_for_a_leftover()
    {
        var name = Unique("replace");
        await using var h = await Aws.StartPluginAsync();
        var first = (await h.UpAsync(Spec(name))).EnsureOk();

        var replaced = (await h.UpAsync(Spec(name, ("networkBorderGroup", "us-east-1-bos-1")))).EnsureOk();

        Assert.Equal(["Check", "Diff", "Check", "Create", "Delete"], replaced.Calls);
        Assert.NotEqual(first.Id, replaced.Id);
        Assert.Null(await Aws.FindInMotoAsync(first.Id!));
        Assert.Equal(replaced.Id, Assert.Single(await MarkedForAsync(name)).AllocationId);
        (await h.DestroyAsync(name)).EnsureOk();
    }
}
