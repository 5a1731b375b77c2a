using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Operator;

/// <summary>
/// `sweep` through the published binary against moto behind the EC2 proxy: an account that mixes tracked, leaked,
/// pending-create, other-stack and foreign addresses. Each test uses a project of its own, so the addresses other
/// tests leave in the shared moto are "marked (stack not given)" here and never released.
/// </summary>
public sealed class SweepAwsTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";

    private sealed record World(string Project, string ExportPath, Address Tracked, Address Leaked, Address LeakedAssociated, Address Pending, Address OtherStack, Address Foreign)
    {
        public string Urn(string name) => $"urn:pulumi:dev::{Project}::{Type}::{name}";
    }

    private async Task<World> ArrangeAsync()
    {
        aws.Reset();
        var project = "web" + Guid.NewGuid().ToString("N")[..8];
        string Urn(string name) => $"urn:pulumi:dev::{project}::{Type}::{name}";
        var now = DateTimeOffset.UtcNow.AddHours(-3);
        async Task<Address> Allocate(IReadOnlyDictionary<string, string> tags)
        {
            var allocated = await aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest
            {
                Domain = Amazon.EC2.DomainType.Vpc,
                TagSpecifications = [new TagSpecification { ResourceType = Amazon.EC2.ResourceType.ElasticIp, Tags = tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList() }],
            });
            return (await aws.FindInMotoAsync(allocated.AllocationId))!;
        }
        var tracked = await Allocate(OwnershipMarks.For(Urn("tracked"), "t1", now));
        var leaked = await Allocate(OwnershipMarks.For(Urn("leaked"), "t2", now).Add("team", "net"));
        var leakedAssociated = await Allocate(OwnershipMarks.For(Urn("leaked-associated"), "t3", now));
        var instance = await aws.DefaultVpcInstanceAsync();
        await aws.Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = leakedAssociated.AllocationId, InstanceId = instance.InstanceId, AllowReassociation = true });
        leakedAssociated = (await aws.FindInMotoAsync(leakedAssociated.AllocationId))!;
        var pending = await Allocate(OwnershipMarks.For(Urn("pending"), "t4", now));
        var otherStack = await Allocate(OwnershipMarks.For($"urn:pulumi:prod::{project}-other::{Type}::x", "t5", now));
        var foreign = await Allocate(new Dictionary<string, string> { ["team"] = "someone-else" });

        var stackUrn = $"urn:pulumi:dev::{project}::pulumi:pulumi:Stack::{project}-dev";
        var export = new JsonObject
        {
            ["version"] = 3,
            ["deployment"] = new JsonObject
            {
                ["manifest"] = new JsonObject { ["time"] = "2026-12-01T00:00:00Z" },
                ["resources"] = new JsonArray(
                    new JsonObject { ["urn"] = stackUrn, ["custom"] = false, ["type"] = "pulumi:pulumi:Stack" },
                    new JsonObject
                    {
                        ["urn"] = Urn("tracked"), ["custom"] = true, ["id"] = tracked.AllocationId, ["type"] = Type,
                        ["outputs"] = new JsonObject { ["allocationId"] = tracked.AllocationId, ["publicIp"] = tracked.PublicIp },
                    }),
                ["pending_operations"] = new JsonArray(
                    new JsonObject { ["resource"] = new JsonObject { ["urn"] = Urn("pending"), ["custom"] = true, ["type"] = Type }, ["type"] = "creating" }),
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"{project}-dev.json");
        await File.WriteAllTextAsync(path, export.ToJsonString());
        return new World(project, path, tracked, leaked, leakedAssociated, pending, otherStack, foreign);
    }

    private Task<OperatorResult> SweepAsync(params string[] extra) => OperatorProcess.RunAsync(
    [
        "sweep", "--aws-region", "us-east-1",
        "--config", $"awsEndpoint={aws.Proxy.Endpoint}", "--config", "awsAccessKey=testing", "--config", "awsSecretKey=testing", "--config", "awsMaxRetries=1",
        .. extra,
    ]);

    private static Dictionary<string, JsonElement> Rows(OperatorResult result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("addresses").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.Clone());
    }

    private static string Field(JsonElement row, string name) => row.TryGetProperty(name, out var v) ? v.ToString() : "";

    [Fact]
    public async Task Dry_run_reports_each_kind_of_address_and_changes_nothing()
    {
        var w = await ArrangeAsync();

        var result = await SweepAsync("--stack-export", w.ExportPath, "--release", "leaked", "--dry-run", "--output", "json");

        Assert.True(result.ExitCode == 3, result.ToString()); // leaked and pending found, left in place
        var rows = Rows(result);
        Assert.Equal("tracked", Field(rows[w.Tracked.AllocationId], "status"));
        Assert.Equal($"{w.Project}/dev", Field(rows[w.Tracked.AllocationId], "trackedBy"));
        Assert.Equal("leaked", Field(rows[w.Leaked.AllocationId], "status"));
        Assert.Equal("leaked", Field(rows[w.LeakedAssociated.AllocationId], "status"));
        Assert.Equal("pending-create", Field(rows[w.Pending.AllocationId], "status"));
        Assert.Equal("marked", Field(rows[w.OtherStack.AllocationId], "status"));
        Assert.Equal("foreign", Field(rows[w.Foreign.AllocationId], "status"));

        Assert.Equal("would-release", Field(rows[w.Leaked.AllocationId], "action"));
        Assert.Equal("would-release", Field(rows[w.LeakedAssociated.AllocationId], "action"));
        Assert.Contains("disassociate", Field(rows[w.LeakedAssociated.AllocationId], "detail"), StringComparison.Ordinal);
        foreach (var untouched in new[] { w.Tracked, w.Pending, w.OtherStack, w.Foreign })
        {
            Assert.Equal("none", Field(rows[untouched.AllocationId], "action"));
        }
        Assert.Equal($"{w.Project}/dev", Field(rows[w.Leaked.AllocationId], "stack"));
        Assert.Equal("leaked", Field(rows[w.Leaked.AllocationId], "name"));
        Assert.Equal("0.005", Field(rows[w.Leaked.AllocationId], "idleHourlyCostUsd"));
        Assert.Equal("", Field(rows[w.LeakedAssociated.AllocationId], "idleHourlyCostUsd"));
        Assert.InRange(double.Parse(Field(rows[w.Leaked.AllocationId], "ageHours"), System.Globalization.CultureInfo.InvariantCulture), 2.9, 3.1);
        Assert.Equal("""{"team":"net"}""", Field(rows[w.Leaked.AllocationId], "tags").Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal($"pulumi refresh --stack dev --import-pending-creates '{w.Urn("pending")}' --import-pending-creates {w.Pending.AllocationId}",
            Field(rows[w.Pending.AllocationId], "adoptCommand"));

        // Only reads and DryRun calls reached EC2, and every address is still there as it was.
        var mutations = aws.Proxy.Journal.Entries.Where(e => e.Action is "DisassociateAddress" or "ReleaseAddress" or "AllocateAddress" or "AssociateAddress" or "CreateTags" or "DeleteTags").ToList();
        Assert.NotEmpty(mutations);
        Assert.All(mutations, e => Assert.True(e.DryRun, $"{e.Action} was sent without DryRun"));
        foreach (var a in new[] { w.Tracked, w.Leaked, w.LeakedAssociated, w.Pending, w.OtherStack, w.Foreign })
        {
            var now = await aws.FindInMotoAsync(a.AllocationId);
            Assert.NotNull(now);
            Assert.Equal(a.AssociationId ?? "", now.AssociationId ?? "");
        }
    }

    [Fact]
    public async Task Release_leaked_disassociates_and_releases_only_the_leaked_ones()
    {
        var w = await ArrangeAsync();

        var result = await SweepAsync("--stack-export", w.ExportPath, "--release", "leaked", "--output", "json");

        Assert.True(result.ExitCode == 3, result.ToString()); // the pending create still needs a person
        var rows = Rows(result);
        Assert.Equal("released", Field(rows[w.Leaked.AllocationId], "action"));
        Assert.Equal("released", Field(rows[w.LeakedAssociated.AllocationId], "action"));
        Assert.Null(await aws.FindInMotoAsync(w.Leaked.AllocationId));
        Assert.Null(await aws.FindInMotoAsync(w.LeakedAssociated.AllocationId));
        foreach (var kept in new[] { w.Tracked, w.Pending, w.OtherStack, w.Foreign })
        {
            Assert.NotNull(await aws.FindInMotoAsync(kept.AllocationId));
        }
        // Delete's order: the association first, then the release.
        var entries = aws.Proxy.Journal.Entries.Where(e => !e.DryRun).ToList();
        var disassociate = entries.Single(e => e.Action == "DisassociateAddress" && e.Get("AssociationId") == w.LeakedAssociated.AssociationId);
        var release = entries.Single(e => e.Action == "ReleaseAddress" && e.Get("AllocationId") == w.LeakedAssociated.AllocationId && e.ErrorCode is null);
        Assert.True(disassociate.Sequence < release.Sequence);
        Assert.Contains("released", result.Stderr, StringComparison.Ordinal); // progress went to stderr, JSON stayed clean

        // Releasing the pending one by id, then, leaves nothing that needs a person.
        var second = await SweepAsync("--stack-export", w.ExportPath, "--release", w.Pending.AllocationId, "--output", "json");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Null(await aws.FindInMotoAsync(w.Pending.AllocationId));
    }

    [Fact]
    public async Task Releasing_many_leaked_addresses_against_EC2s_throttle_fails_none_and_queues_for_the_budget()
    {
        // EC2's documented buckets refilled ten times faster (the sweep is told with awsRequestRateScale): 150
        // releases and 40 disassociates outrun the mutating burst of 50, so without the shared budget most calls
        // would be answered RequestLimitExceeded.
        aws.Reset();
        var project = "mass" + Guid.NewGuid().ToString("N")[..8];
        var fleet = await Ec2Fleet.AllocateAsync(aws.Ec2, count: 150, associated: 40);
        var at = DateTimeOffset.UtcNow.AddHours(-2);
        using (var gate = new SemaphoreSlim(16))
        {
            await Task.WhenAll(fleet.Select(async (a, i) =>
            {
                await gate.WaitAsync();
                try
                {
                    var marks = OwnershipMarks.For($"urn:pulumi:dev::{project}::{Type}::ip-{i}", $"m{i}", at);
                    await aws.Ec2.CreateTagsAsync(new CreateTagsRequest([a.AllocationId], marks.Select(t => new Tag(t.Key, t.Value)).ToList()));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        var export = new JsonObject
        {
            ["version"] = 3,
            ["deployment"] = new JsonObject
            {
                ["resources"] = new JsonArray(new JsonObject { ["urn"] = $"urn:pulumi:dev::{project}::pulumi:pulumi:Stack::{project}-dev", ["custom"] = false, ["type"] = "pulumi:pulumi:Stack" }),
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"{project}-dev.json");
        await File.WriteAllTextAsync(path, export.ToJsonString());
        using var throttling = new Ec2Throttling(refillScale: 10);
        aws.Proxy.Journal.Clear();
        aws.Proxy.Throttling = throttling;
        OperatorResult result;
        try
        {
            result = await SweepAsync("--stack-export", path, "--release", "leaked", "--config", "awsRequestRateScale=10", "--output", "json");
        }
        finally
        {
            aws.Proxy.Throttling = null;
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var summary = doc.RootElement.GetProperty("summary");
        Assert.Equal(150, summary.GetProperty("released").GetInt32());
        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Assert.Empty(await Ec2Fleet.StillAllocatedAsync(aws.Ec2, fleet.Select(a => a.AllocationId)));
        var journal = aws.Proxy.Journal.Entries;
        Assert.Equal(40, journal.Count(e => e.Action == "DisassociateAddress" && e.Outcome != Ec2Outcome.Throttled && e.ErrorCode is null));
        Assert.Equal(150, journal.Count(e => e.Action == "ReleaseAddress" && e.Outcome != Ec2Outcome.Throttled && e.ErrorCode is null));
        // Queued for the budget rather than raced into the throttle: a handful of throttled answers at most.
        var throttled = journal.Count(e => e.Outcome == Ec2Outcome.Throttled);
        Assert.True(throttled <= 15, $"{throttled} throttled answers for {journal.Count} calls");
    }

    [Fact]
    public async Task An_address_a_given_stack_tracks_is_refused_before_any_change()
    {
        var w = await ArrangeAsync();

        var result = await SweepAsync("--stack-export", w.ExportPath, "--release", w.Tracked.PublicIp);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{w.Project}/dev still tracks {w.Tracked.PublicIp}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(aws.Proxy.Journal.Entries, e => e.Action is "DisassociateAddress" or "ReleaseAddress");
        Assert.NotNull(await aws.FindInMotoAsync(w.Tracked.AllocationId));
    }

    [Fact]
    public async Task Release_leaked_without_a_stack_export_is_refused()
    {
        var result = await SweepAsync("--release", "leaked");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--stack-export", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_table_names_each_address_and_ends_with_a_summary()
    {
        var w = await ArrangeAsync();

        var result = await SweepAsync("--stack-export", w.ExportPath);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(w.Leaked.PublicIp, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("leaked", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("pending-create", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--import-pending-creates", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("idle $/h", result.Stdout, StringComparison.Ordinal);
    }
}
