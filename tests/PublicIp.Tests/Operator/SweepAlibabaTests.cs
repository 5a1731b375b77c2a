using System.Text.Json;
using System.Text.Json.Nodes;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;
using PublicIp.Tests.Alicloud;

namespace PublicIp.Tests.Operator;

/// <summary>
/// `sweep --alicloud-region` through the published binary against our Alibaba emulator: EIPs that a given stack
/// tracks, leaked ones (marked by a stack that no longer has them; one of them still bound to an instance) and
/// foreign ones. The dry run changes nothing; the release unassociates and releases only the leaked EIPs, through
/// the same release steps as EipAddress's Delete.
/// </summary>
public sealed class SweepAlibabaTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private const string Type = AlibabaFixture.EipType;

    private sealed record World(string ExportPath, EmulatorEip Tracked, EmulatorEip Leaked, EmulatorEip LeakedAssociated, EmulatorEip Foreign);

    private async Task<World> ArrangeAsync()
    {
        var project = "edge" + Guid.NewGuid().ToString("N")[..8];
        string Urn(string name) => $"urn:pulumi:dev::{project}::{Type}::{name}";
        var then = DateTimeOffset.UtcNow.AddHours(-5);
        EmulatorEip Marked(string name, Func<EmulatorEip, EmulatorEip>? change = null) =>
            ali.AddEip(e => (change ?? (x => x))(e with { Tags = OwnershipMarks.For(Urn(name), "tok-" + name, then), AllocationTime = then }));

        var tracked = Marked("tracked");
        var leaked = Marked("leaked");
        var instance = ali.AddInstance();
        var leakedAssociated = Marked("leaked-associated", e => e with { Status = EipStatus.InUse, InstanceId = instance.InstanceId, InstanceType = "EcsInstance" });
        var foreign = ali.AddEip(e => e with { Tags = new Dictionary<string, string> { ["team"] = "someone-else" }, AllocationTime = then });

        var export = new JsonObject
        {
            ["version"] = 3,
            ["deployment"] = new JsonObject
            {
                ["manifest"] = new JsonObject { ["time"] = "2026-12-01T00:00:00Z" },
                ["resources"] = new JsonArray(
                    new JsonObject { ["urn"] = $"urn:pulumi:dev::{project}::pulumi:pulumi:Stack::{project}-dev", ["custom"] = false, ["type"] = "pulumi:pulumi:Stack" },
                    new JsonObject
                    {
                        ["urn"] = Urn("tracked"), ["custom"] = true, ["id"] = tracked.AllocationId, ["type"] = Type,
                        ["outputs"] = new JsonObject { ["allocationId"] = tracked.AllocationId, ["ipAddress"] = tracked.IpAddress },
                    }),
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"{project}-dev.json");
        await File.WriteAllTextAsync(path, export.ToJsonString());
        return new World(path, tracked, leaked, leakedAssociated, foreign);
    }

    private Task<OperatorResult> SweepAsync(params string[] extra) => OperatorProcess.RunAsync(
        [
            "sweep", "--alicloud-region", AlibabaFixture.Region,
            "--config", $"alicloudEcsEndpoint={ali.Emulator.Endpoint}", "--config", $"alicloudVpcEndpoint={ali.Emulator.Endpoint}",
            "--config", $"alicloudAccessKey={ali.AccessKeyId}", "--config", $"alicloudSecretKey={ali.Secret}", "--config", "alicloudMaxRetries=1",
            .. extra,
        ],
        AlibabaFixture.CleanEnvironment);

    private static Dictionary<string, JsonElement> Rows(OperatorResult result)
    {
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("addresses").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.Clone());
    }

    private static string Field(JsonElement row, string name) => row.TryGetProperty(name, out var v) ? v.ToString() : "";

    private static readonly string[] Mutating = ["UnassociateEipAddress", "ReleaseEipAddress", "AllocateEipAddress", "AssociateEipAddress", "TagResources", "UnTagResources"];

    [Fact]
    public async Task Dry_run_reports_each_kind_of_eip_and_changes_nothing_then_release_takes_only_the_leaked_ones()
    {
        var w = await ArrangeAsync();
        var before = ali.Emulator.Requests.Count;

        var dry = await SweepAsync("--stack-export", w.ExportPath, "--release", "leaked", "--dry-run", "--output", "json");

        Assert.True(dry.ExitCode == 3, dry.ToString()); // leaked EIPs found, left in place
        var rows = Rows(dry);
        foreach (var (eip, status, action) in new[]
                 {
                     (w.Tracked, "tracked", "none"), (w.Leaked, "leaked", "would-release"),
                     (w.LeakedAssociated, "leaked", "would-release"), (w.Foreign, "foreign", "none"),
                 })
        {
            Assert.Equal((status, action), (Field(rows[eip.AllocationId], "status"), Field(rows[eip.AllocationId], "action")));
        }
        Assert.Equal("", Field(rows[w.LeakedAssociated.AllocationId], "idleHourlyCostUsd")); // bound: not idle
        Assert.NotEqual("", Field(rows[w.Leaked.AllocationId], "idleHourlyCostUsd"));
        Assert.DoesNotContain(ali.Emulator.Requests.Skip(before), r => Mutating.Contains(r.Action));
        foreach (var eip in new[] { w.Tracked, w.Leaked, w.LeakedAssociated, w.Foreign })
        {
            Assert.Equal(eip.Status, ali.World.GetEip(eip.AllocationId)?.Status);
        }

        var release = await SweepAsync("--stack-export", w.ExportPath, "--release", "leaked", "--output", "json");

        Assert.True(release.ExitCode == 0, release.ToString());
        Assert.Null(ali.World.GetEip(w.Leaked.AllocationId));
        Assert.Null(ali.World.GetEip(w.LeakedAssociated.AllocationId));
        Assert.NotNull(ali.World.GetEip(w.Tracked.AllocationId));
        Assert.NotNull(ali.World.GetEip(w.Foreign.AllocationId));
        var calls = ali.Emulator.Requests.Skip(before).Where(r => Mutating.Contains(r.Action) && r.Status == 200).ToList();
        Assert.Equal(["UnassociateEipAddress", "ReleaseEipAddress"],
            calls.Where(r => r.Parameters.Values.Contains(w.LeakedAssociated.AllocationId)).Select(r => r.Action));
        Assert.All(calls, r => Assert.True(r.Parameters.Values.Contains(w.Leaked.AllocationId) || r.Parameters.Values.Contains(w.LeakedAssociated.AllocationId),
            $"{r.Action} touched an EIP that is not leaked"));
    }
}
