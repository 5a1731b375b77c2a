using System.Diagnostics;
using Grpc.Core;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Protocol;

/// <summary>In-flight operations get their CancellationToken: from Cancel, from SIGINT, and from the engine's timeout.</summary>
public class CancellationAndTimeoutTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";

    private static CreateRequest Create(string name, double timeout = 0) => new()
    {
        Urn = LifecycleHarness.Urn(Type, name), Name = name, Type = Type, Timeout = timeout,
        Properties = PropertyCodec.Encode(Props.Map(("domain", "vpc"))),
    };

    [Fact]
    public async Task Cancel_aborts_an_in_flight_create_with_Cancelled_and_creates_nothing()
    {
        var slow = aws.Proxy.Inject(Fault.Latency("AllocateAddress", TimeSpan.FromSeconds(20)).When(r => r.Parameters.GetValueOrDefault("TagSpecification.1.Tag.1.Value") == "cancel-me"));
        await using var h = await aws.StartPluginAsync();
        var request = Create("cancel-me");
        request.Properties = PropertyCodec.Encode(Props.Map(("tags", new Dictionary<string, string> { ["case"] = "cancel-me" })));
        var watch = Stopwatch.StartNew();
        var call = h.Client.CreateAsync(request);
        await Task.Delay(800);
        await h.Client.CancelAsync(new Google.Protobuf.WellKnownTypes.Empty());
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"cancel took {watch.Elapsed}");
        Assert.Contains("nothing was removed", e.Status.Detail, StringComparison.Ordinal);
        slow.Remove();
    }

    [Fact]
    public async Task The_engine_timeout_becomes_DeadlineExceeded_naming_customTimeouts()
    {
        var slow = aws.Proxy.Inject(Fault.Latency("AllocateAddress", TimeSpan.FromSeconds(20)).When(r => r.Parameters.GetValueOrDefault("TagSpecification.1.Tag.1.Value") == "slow"));
        await using var h = await aws.StartPluginAsync();
        var request = Create("slow", timeout: 1.5);
        request.Properties = PropertyCodec.Encode(Props.Map(("tags", new Dictionary<string, string> { ["case"] = "slow" })));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await h.Client.CreateAsync(request));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Contains("customTimeouts", e.Status.Detail, StringComparison.Ordinal);
        slow.Remove();
    }

    [Fact]
    public async Task SIGINT_during_an_operation_exits_within_five_seconds()
    {
        var slow = aws.Proxy.Inject(Fault.Latency("AllocateAddress", TimeSpan.FromSeconds(30)).When(r => r.Parameters.GetValueOrDefault("TagSpecification.1.Tag.1.Value") == "sigint"));
        // Disposed however the test ends: a failed assertion must not leave the plugin running.
        await using var h = await aws.StartPluginAsync();
        var request = Create("sigint");
        request.Properties = PropertyCodec.Encode(Props.Map(("tags", new Dictionary<string, string> { ["case"] = "sigint" })));
        var call = h.Client.CreateAsync(request);
        await Task.Delay(800);
        var watch = Stopwatch.StartNew();
        h.Plugin.Interrupt();
        await Assert.ThrowsAnyAsync<RpcException>(async () => await call);
        while (!h.Plugin.HasExited && watch.Elapsed < TimeSpan.FromSeconds(6))
        {
            await Task.Delay(50);
        }
        Assert.True(h.Plugin.HasExited, "the plugin did not exit within 6 s of SIGINT");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"exit took {watch.Elapsed}");
        slow.Remove();
    }
}
