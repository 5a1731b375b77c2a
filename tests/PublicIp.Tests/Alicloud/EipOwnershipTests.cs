using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// EipAddress ownership marks, one ClientToken per Create kept across retries, and interrupted-create recovery,
/// through the published binary against the Alibaba emulator (which keeps ClientToken idempotency as the API does).
/// </summary>
public sealed class EipOwnershipTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private static ResourceSpec Spec(string name, params (string, object?)[] inputs) => new(EipType, name, Props.Map(inputs));

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private List<EmulatorEip> MarkedFor(string name)
    {
        var hash = OwnershipMarks.HashUrn(LifecycleHarness.Urn(EipType, name));
        return ali.World.Eips.Where(e => e.Tags.GetValueOrDefault(OwnershipMarks.UrnHashKey) == hash).ToList();
    }

    private List<EmulatorRequest> Allocations() => ali.Emulator.Requests.Where(r => r.Action == "AllocateEipAddress").ToList();

    [Fact]
    public async Task Create_tags_the_eip_in_AllocateEipAddress_and_refresh_shows_only_the_users_tags()
    {
        var name = Unique("marked");
        await using var h = await ali.StartPluginAsync();
        var spec = Spec(name, ("tags", new Dictionary<string, string> { ["team"] = "net" }));

        var up = (await h.UpAsync(spec)).EnsureOk();

        var live = Assert.Single(MarkedFor(name));
        Assert.Equal(up.Id, live.AllocationId);
        Assert.Equal("net", live.Tags["team"]);
        Assert.Equal(name, live.Tags[OwnershipMarks.NameKey]);
        Assert.DoesNotContain(ali.Emulator.Requests, r => r.Action == "TagResources");
        var token = Assert.Single(Allocations(), r => r.Parameters.GetValueOrDefault(OwnershipMarks.NameKey) is null && r.Parameters.Values.Contains(name)).Parameters["ClientToken"];
        Assert.StartsWith("publicip-" + OwnershipMarks.HashUrn(LifecycleHarness.Urn(EipType, name))[..24], token, StringComparison.Ordinal);
        (await h.RefreshAsync(name)).EnsureOk();
        Assert.Equal(["Check", "Diff"], (await h.UpAsync(spec)).EnsureOk().Calls);
        (await h.DestroyAsync(name)).EnsureOk();
    }

    [Fact]
    public async Task A_retried_AllocateEipAddress_keeps_its_ClientToken_so_the_lost_first_answer_allocates_once()
    {
        var name = Unique("lost-answer");
        await using var h = await ali.StartPluginAsync();
        var before = Allocations().Count;
        // OperationConflict is one of the codes Create waits out: the retry must be the same logical call.
        ali.Emulator.LoseAnswerNext("AllocateEipAddress", "OperationConflict");

        var up = (await h.UpAsync(Spec(name))).EnsureOk();

        var calls = Allocations().Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal(calls[0].Parameters["ClientToken"], calls[1].Parameters["ClientToken"]);
        Assert.Equal(up.Id, Assert.Single(MarkedFor(name)).AllocationId);
        (await h.DestroyAsync(name)).EnsureOk();
    }

    [Fact]
    public async Task After_an_interrupted_create_the_next_create_allocates_nothing_then_adopts_on_request()
    {
        var name = Unique("interrupted");
        var urn = LifecycleHarness.Urn(EipType, name);
        var left = ali.World.AddEip(new EmulatorEip(ali.NextId("eip-"), "47.95.1." + Random.Shared.Next(2, 250))
        {
            RegionId = Region,
            Tags = OwnershipMarks.For(urn, "killed0000000000", DateTimeOffset.UtcNow.AddMinutes(-5)),
        });
        var before = Allocations().Count;

        await using (var h = await ali.StartPluginAsync())
        {
            var failed = await h.UpAsync(Spec(name));
            Assert.Equal(StatusCode.FailedPrecondition, failed.Code);
            Assert.Contains($"--import-pending-creates '{urn}' --import-pending-creates {left.AllocationId}", failed.Error, StringComparison.Ordinal);
            Assert.Equal(before, Allocations().Count);
        }
        await using (var h = await ali.StartPluginAsync(("interruptedCreates", "adopt")))
        {
            var up = (await h.UpAsync(Spec(name))).EnsureOk();
            Assert.Equal(left.AllocationId, up.Id);
            Assert.Equal(before, Allocations().Count);
            (await h.DestroyAsync(name)).EnsureOk();
        }
        Assert.Empty(MarkedFor(name));
    }
}
