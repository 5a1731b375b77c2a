using Grpc.Core;
using PublicIp.Alibaba;
using PublicIp.AlibabaEmulator;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using PublicIp.Tests.Alicloud;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Hardening;

/// <summary>The Alibaba emulator configured to follow the API reference to the letter (DryRun ignored where "not yet available").</summary>
public sealed class StrictAlibabaFixture : IAsyncLifetime
{
    public string AccessKeyId { get; } = "LTAI-strict-" + Guid.NewGuid().ToString("N")[..8];
    public string Secret { get; } = "strict-secret-" + Guid.NewGuid().ToString("N");
    public AlibabaEmulator.AlibabaEmulator Emulator { get; private set; } = null!;
    public EmulatorWorld World => Emulator.World;

    public async Task InitializeAsync() => Emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions
    {
        Credentials = [new EmulatorCredential(AccessKeyId, Secret)],
        FollowReferenceStrictly = true,
        AssociateDuration = TimeSpan.FromMilliseconds(300), UnassociateDuration = TimeSpan.FromMilliseconds(300), ReleaseDuration = TimeSpan.FromMilliseconds(300),
    });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();

    public EmulatorInstance AddInstance(Func<EmulatorInstance, EmulatorInstance>? change = null) =>
        World.AddInstance((change ?? (i => i))(new EmulatorInstance("i-" + Guid.NewGuid().ToString("N")[..12]) { RegionId = AlibabaFixture.Region }));

    public Task<LifecycleHarness> StartPluginAsync(params (string Key, object? Value)[] extra) =>
        LifecycleHarness.StartConfiguredAsync(Props.Map([
            ("alicloudRegion", AlibabaFixture.Region), ("alicloudEcsEndpoint", Emulator.Endpoint.ToString()), ("alicloudVpcEndpoint", Emulator.Endpoint.ToString()),
            ("alicloudAccessKey", Props.Secret(AccessKeyId)), ("alicloudSecretKey", Props.Secret(Secret)), ("alicloudMaxRetries", 0), .. extra,
        ]), AlibabaFixture.CleanEnvironment);

    public IEnumerable<EmulatorRequest> RequestsFor(string value) => Emulator.Requests.Where(r => r.Parameters.Values.Contains(value));
}

/// <summary>
/// A failed destroy changes nothing, and a rehearsal never sends a call that can change anything: against the strict
/// Alibaba emulator, and against moto behind the EC2 fault proxy for the refusals EC2 gives only after a disassociate.
/// </summary>
public class RefusalAndRehearsalTests(StrictAlibabaFixture strict, AwsFixture aws) : IClassFixture<StrictAlibabaFixture>, IClassFixture<AwsFixture>
{
    [Fact]
    public async Task The_strict_emulator_releases_for_real_when_DryRun_is_sent()
    {
        // What makes the rehearsal test below able to fail: a "DryRun" release really releases here.
        var instance = strict.AddInstance(i => i with { PublicIpAddress = "47.1.2.3" });
        using var http = new HttpClient();
        var ecs = new EcsApi(new AlibabaRpcClient(new AlibabaClientOptions
        {
            RegionId = AlibabaFixture.Region, Credentials = new AlibabaCredentials(strict.AccessKeyId, strict.Secret), MaxRetries = 0,
            EndpointOverrides = new Dictionary<AlibabaProduct, Uri> { [AlibabaProduct.Ecs] = strict.Emulator.Endpoint },
        }, http));
        await ecs.ReleasePublicIpAddressAsync(new ReleasePublicIpAddressRequest("47.1.2.3", instance.InstanceId, AlibabaFixture.Region, DryRun: true), CancellationToken.None);
        Assert.Null(strict.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
    }

    [Fact]
    public async Task An_InstancePublicIp_rehearsal_sends_nothing_that_can_change_anything()
    {
        var instance = strict.AddInstance();
        await using var h = await strict.StartPluginAsync(("rehearseDeletes", true));
        var up = (await h.UpAsync(new ResourceSpec(AlibabaFixture.InstanceType, "rehearsed", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk();
        var ip = up.Outputs.Str("ipAddress")!;
        var before = strict.RequestsFor(instance.InstanceId).Count();

        var destroy = await h.DestroyAsync("rehearsed");

        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains("rehearsal", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("only a read-only preflight ran", destroy.Error, StringComparison.Ordinal);
        Assert.Equal(ip, strict.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
        Assert.All(strict.RequestsFor(instance.InstanceId).Skip(before), r => Assert.StartsWith("Describe", r.Action, StringComparison.Ordinal));
        Assert.True(h.State.ContainsKey("rehearsed"));
    }

    [Theory]
    [InlineData("Forbidden.ChargeTypeIsPrepaid")]
    [InlineData("InvalidOperation.DeletionProtection")]
    public async Task An_associated_EIP_the_release_would_refuse_is_refused_before_the_unassociate(string code)
    {
        var instance = strict.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-strict" });
        await using var h = await strict.StartPluginAsync();
        var id = (await h.UpAsync(new ResourceSpec(AlibabaFixture.EipType, "kept", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk().Id!;
        var eip = strict.World.GetEip(id)!;
        Assert.Equal(EipStatus.InUse, eip.Status);
        strict.World.AddEip(code == "Forbidden.ChargeTypeIsPrepaid" ? eip with { ChargeType = "PrePaid" } : eip with { DeletionProtection = true });
        var before = strict.RequestsFor(id).Count();

        var destroy = await h.DestroyAsync("kept");

        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains($"[{code}]", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", destroy.Error, StringComparison.Ordinal);
        Assert.All(strict.RequestsFor(id).Skip(before), r => Assert.StartsWith("Describe", r.Action, StringComparison.Ordinal));
        var after = strict.World.GetEip(id)!;
        Assert.Equal(EipStatus.InUse, after.Status);
        Assert.Equal(instance.InstanceId, after.InstanceId);
        Assert.True(h.State.ContainsKey("kept"));

        // The rehearsal predicts the same refusal, read-only.
        await using var rehearsing = await strict.StartPluginAsync(("rehearseDeletes", true));
        rehearsing.Adopt(h.State["kept"]);
        var rehearsal = await rehearsing.DestroyAsync("kept");
        Assert.Contains($"[{code}]", rehearsal.Error, StringComparison.Ordinal);

        strict.World.AddEip(strict.World.GetEip(id)! with { ChargeType = "PostPaid", DeletionProtection = false });
        (await h.DestroyAsync("kept")).EnsureOk();
    }

    [Theory]
    [InlineData("InvalidAddress.Locked")]
    [InlineData("InvalidAddress.PtrSet")]
    public async Task A_release_EC2_refuses_after_the_disassociate_restores_the_association(string code)
    {
        var vm = await aws.DefaultVpcInstanceAsync();
        await using var h = await aws.StartPluginAsync();
        var up = (await h.UpAsync(new ResourceSpec("publicip:aws:ElasticIp", "restored", Props.Map(("instanceId", vm.InstanceId))))).EnsureOk();
        var id = up.Id!;
        var fault = aws.Proxy.Inject(Fault.Error("ReleaseAddress", code == "InvalidAddress.Locked" ? Ec2Error.Locked(id) : Ec2Error.PtrSet(id)).ForAllocationId(id).FiresTimes(1));

        var destroy = await h.DestroyAsync("restored");

        Assert.Equal(StatusCode.FailedPrecondition, destroy.Code);
        Assert.Contains($"[{code}]", destroy.Error, StringComparison.Ordinal);
        Assert.Contains("re-associated the address with", destroy.Error, StringComparison.Ordinal);
        Assert.Equal(1, fault.Fired);
        var live = await aws.FindInMotoAsync(id);
        Assert.NotNull(live);
        Assert.Equal(vm.InstanceId, live!.InstanceId);
        Assert.Equal(vm.NetworkInterfaceId, live.NetworkInterfaceId);
        Assert.Equal(vm.PrivateIp, live.PrivateIpAddress);
        Assert.Contains(h.Engine.Messages, m => m.Severity == Pulumirpc.LogSeverity.Warning && m.Message.Contains("as it was", StringComparison.Ordinal));
        Assert.True(h.State.ContainsKey("restored"));

        fault.Remove();
        (await h.DestroyAsync("restored")).EnsureOk();
        Assert.Null(await aws.FindInMotoAsync(id));
    }
}
