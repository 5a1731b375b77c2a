using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>publicip:alicloud:InstancePublicIp through the published binary against the Alibaba emulator.</summary>
public class InstancePublicIpTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private static ResourceSpec Spec(string name, string instanceId, params (string, object?)[] extra) =>
        new(InstanceType, name, Props.Map([("instanceId", instanceId), .. extra]));

    [Fact]
    public async Task Create_refresh_update_destroy_of_a_classic_instance_public_ip()
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        var spec = Spec("web", instance.InstanceId);

        var up = (await h.UpAsync(spec)).EnsureOk();
        Assert.Equal(instance.InstanceId, up.Id);
        var ip = up.Outputs.Str("ipAddress");
        Assert.Equal(ip, ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
        Assert.Equal(Region, up.Outputs.Str("regionId"));
        Assert.Equal("fail", up.Outputs.Str("vpcRelease"));
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("takes effect after instance", StringComparison.Ordinal));

        var refresh = (await h.RefreshAsync("web")).EnsureOk();
        Assert.Equal(ip, refresh.Outputs.Str("ipAddress"));
        Assert.Equal(["Check", "Diff"], (await h.UpAsync(spec)).EnsureOk().Calls);

        var update = (await h.UpAsync(Spec("web", instance.InstanceId, ("vpcRelease", "convertToEip")))).EnsureOk();
        Assert.Contains("Update", update.Calls);
        Assert.Equal("convertToEip", update.Outputs.Str("vpcRelease"));

        (await h.DestroyAsync("web")).EnsureOk();
        Assert.Null(ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
        Assert.Empty(h.State);
        var release = Assert.Single(ali.RequestsFor(instance.InstanceId), r => r.Action == "ReleasePublicIpAddress");
        Assert.Equal(ip, release.Parameters["PublicIpAddress"]);
        Assert.Equal(Region, release.Parameters["RegionId"]);
        ali.AssertNoSecret(h);
    }

    [Fact]
    public async Task The_deprecation_warning_is_given_once_per_provider_process()
    {
        var a = ali.AddInstance();
        var b = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        (await h.UpAsync(Spec("a", a.InstanceId))).EnsureOk();
        (await h.UpAsync(Spec("b", b.InstanceId))).EnsureOk();
        (await h.DestroyAsync("a")).EnsureOk();
        (await h.DestroyAsync("b")).EnsureOk();
        Assert.Single(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Warning && m.Message.Contains("deprecated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_repeat_allocate_adopts_the_address_the_instance_already_has()
    {
        var instance = ali.AddInstance(i => i with { PublicIpAddress = "47.1.2.3" });
        await using var h = await ali.StartPluginAsync();
        var up = (await h.UpAsync(Spec("again", instance.InstanceId))).EnsureOk();
        Assert.Equal("47.1.2.3", up.Outputs.Str("ipAddress"));
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("already had public IP 47.1.2.3", StringComparison.Ordinal));
        (await h.DestroyAsync("again")).EnsureOk();
    }

    [Fact]
    public async Task Import_by_instance_id_then_refresh_after_out_of_band_release_drops_it()
    {
        var instance = ali.AddInstance(i => i with { PublicIpAddress = "47.1.9.9" });
        await using var h = await ali.StartPluginAsync();
        var imported = (await h.ImportAsync(InstanceType, "imported", instance.InstanceId)).EnsureOk();
        Assert.Equal("47.1.9.9", imported.Outputs.Str("ipAddress"));
        Assert.Equal("classic", imported.Outputs.Str("instanceNetworkType"));

        ali.World.UpdateInstance(instance.InstanceId, i => i with { PublicIpAddress = null });
        (await h.RefreshAsync("imported")).EnsureOk();
        Assert.Empty(h.State);

        // A destroy of a stack that still lists it succeeds with a warning.
        (await h.ImportAsync(InstanceType, "gone", ali.AddInstance(i => i with { PublicIpAddress = "47.1.9.10" }).InstanceId)).EnsureOk();
        ali.World.UpdateInstance(h.State["gone"].Id, i => i with { PublicIpAddress = null });
        h.Engine.Clear();
        (await h.DestroyAsync("gone")).EnsureOk();
        Assert.Contains(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Warning && m.Message.Contains("already gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preview_checks_a_vpc_instance_read_only_and_says_the_release_cannot_be_rehearsed()
    {
        var instance = ali.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-1" });
        await using var h = await ali.StartPluginAsync();
        var preview = (await h.PreviewAsync(Spec("vpc", instance.InstanceId))).EnsureOk();
        Assert.Equal("", preview.Id);
        Assert.Contains(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Warning && m.Message.Contains("OperationDenied", StringComparison.Ordinal)
            && m.Message.Contains("convertToEip", StringComparison.Ordinal));
        Assert.Contains(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Info && m.Message.Contains("could not be rehearsed", StringComparison.Ordinal));
        Assert.Null(ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
        Assert.DoesNotContain(ali.RequestsFor(instance.InstanceId), r => r.Action != "DescribeInstances");

        var missing = await h.PreviewAsync(Spec("missing", "i-doesnotexist"));
        Assert.Equal(StatusCode.NotFound, missing.Code);
        Assert.Contains("InvalidInstanceId.NotFound", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RehearseDeletes_runs_the_read_only_preflight_sends_no_release_and_keeps_the_state()
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync(("rehearseDeletes", true));
        (await h.UpAsync(Spec("rehearsed", instance.InstanceId))).EnsureOk();
        var destroy = await h.DestroyAsync("rehearsed");
        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains("rehearsal", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("only a read-only preflight ran", destroy.Error, StringComparison.Ordinal);
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("not yet available", StringComparison.Ordinal));
        // ReleasePublicIpAddress's DryRun is "not yet available" (ECS API reference): the rehearsal never sends the call.
        Assert.DoesNotContain(ali.RequestsFor(instance.InstanceId), r => r.Action == "ReleasePublicIpAddress");
        Assert.True(h.State.ContainsKey("rehearsed"));
        Assert.NotNull(ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);

        ali.World.UpdateInstance(instance.InstanceId, i => i with { SecurityLocked = true });
        var locked = await h.DestroyAsync("rehearsed");
        Assert.Equal(StatusCode.FailedPrecondition, locked.Code);
        Assert.Contains("InstanceLockedForSecurity", locked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ali.RequestsFor(instance.InstanceId), r => r.Action == "ReleasePublicIpAddress");
    }

    public static TheoryData<string> ReleaseErrors =>
    [
        "OperationDenied", "InvalidIpAddress.NotFound", "DryRunOperation", "IncorrectInstanceStatus", "InstanceLockedForSecurity",
        "InvalidIpAddress.NeedInstanceId", "OperationTimesOverLimit", "Forbidden.ExceedDuration", "InvalidInstanceId.NotFound",
        "Forbidden", "Throttling.User", "ServiceUnavailable",
    ];

    /// <summary>Every documented ReleasePublicIpAddress error: a named diagnostic with its remedy, the right status, the state kept.</summary>
    [Theory]
    [MemberData(nameof(ReleaseErrors))]
    public async Task Every_release_error_is_a_named_diagnostic_and_keeps_the_state(string code)
    {
        var vpc = code == "Forbidden.ExceedDuration";
        var instance = ali.AddInstance(i => vpc
            ? i with { InstanceNetworkType = "vpc", VpcId = "vpc-1", NatPublicIpAddress = "47.2.0." + Random.Shared.Next(1, 250), CreationTime = DateTimeOffset.UtcNow.AddHours(-7) }
            : i);
        await using var h = await ali.StartPluginAsync();
        var name = "err-" + code.Replace('.', '-');
        if (vpc)
        {
            (await h.ImportAsync(InstanceType, name, instance.InstanceId)).EnsureOk();
        }
        else
        {
            (await h.UpAsync(Spec(name, instance.InstanceId))).EnsureOk();
        }
        var (status, remedy) = Arrange(code, instance.InstanceId);

        // Throttling and ServiceUnavailable are waited out until the deadline: give the destroy a short one.
        var destroy = await h.DestroyAsync(name, code is "Throttling.User" or "ServiceUnavailable" ? 4 : 0);
        ali.Emulator.ClearFaults(); // a throttle that never ends must not reach the next test

        Assert.Equal(status, destroy.Code);
        Assert.Contains($"[{code}]", destroy.Error, StringComparison.Ordinal);
        Assert.Contains(remedy, destroy.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey(name), "the resource must stay in the stack");
        var live = ali.World.GetInstance(instance.InstanceId)!;
        Assert.True(live.PublicIpAddress is not null || live.NatPublicIpAddress is not null, "nothing may be released");
        ali.AssertNoSecret(h);
    }

    /// <summary>Makes the emulator answer <paramref name="code"/>: by its own rules where it has one, else as an injected answer.</summary>
    private (StatusCode Status, string Remedy) Arrange(string code, string instanceId)
    {
        const string Release = "ReleasePublicIpAddress";
        switch (code)
        {
            case "IncorrectInstanceStatus":
                ali.World.UpdateInstance(instanceId, i => i with { Status = InstanceStatus.Starting });
                return (StatusCode.FailedPrecondition, "Running or Stopped");
            case "InstanceLockedForSecurity":
                ali.World.UpdateInstance(instanceId, i => i with { SecurityLocked = true });
                return (StatusCode.FailedPrecondition, "security lock");
            case "OperationTimesOverLimit":
                ali.World.UpdateInstance(instanceId, i => i with { PublicIpReleases = 3 });
                return (StatusCode.ResourceExhausted, "ModifyInstanceNetworkSpec");
            case "Forbidden.ExceedDuration":
                return (StatusCode.FailedPrecondition, "was created " + ali.World.GetInstance(instanceId)!.CreationTime!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            case "OperationDenied":
                ali.Emulator.FailNext(Release, code);
                return (StatusCode.FailedPrecondition, "vpcRelease: convertToEip");
            case "InvalidIpAddress.NotFound":
                ali.Emulator.FailNext(Release, code);
                return (StatusCode.FailedPrecondition, "instanceId and regionId");
            case "DryRunOperation":
                ali.Emulator.FailNext(Release, code);
                return (StatusCode.Aborted, "run destroy again");
            case "InvalidIpAddress.NeedInstanceId":
                ali.Emulator.FailNext(Release, code);
                return (StatusCode.FailedPrecondition, "pulumi refresh");
            case "InvalidInstanceId.NotFound":
                ali.Emulator.FailNext(Release, code, 404);
                return (StatusCode.NotFound, "Check instanceId and regionId");
            case "Forbidden":
                ali.Emulator.FailNext(Release, code, 403);
                return (StatusCode.PermissionDenied, "RAM");
            case "Throttling.User":
                ali.Emulator.ThrottleNext(Release, 100_000, retryAfterMs: 50);
                return (StatusCode.Unavailable, "pulumi destroy --parallel");
            case "ServiceUnavailable":
                ali.Emulator.ServiceUnavailableNext(Release, 100_000);
                return (StatusCode.Unavailable, "customTimeouts");
            default:
                throw new ArgumentOutOfRangeException(nameof(code));
        }
    }

    [Fact]
    public async Task Throttling_and_5xx_within_the_retry_budget_are_survived()
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync();
        ali.Emulator.ThrottleNext("AllocatePublicIpAddress", 2, retryAfterMs: 50);
        (await h.UpAsync(Spec("survive", instance.InstanceId))).EnsureOk();
        ali.Emulator.ServiceUnavailableNext("ReleasePublicIpAddress", 2);
        (await h.DestroyAsync("survive")).EnsureOk();
        Assert.Null(ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
        Assert.Equal(3, ali.RequestsFor(instance.InstanceId).Count(r => r.Action == "ReleasePublicIpAddress"));
    }
}
