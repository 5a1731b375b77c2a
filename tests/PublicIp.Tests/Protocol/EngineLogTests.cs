using Google.Protobuf.WellKnownTypes;
using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Protocol;

/// <summary>User-facing diagnostics go through Engine.Log, attached to the resource's URN.</summary>
public class EngineLogTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";

    private static DeleteRequest DeleteOfGoneAddress(string name) => new()
    {
        Id = "eipalloc-00000000000000000", Urn = LifecycleHarness.Urn(Type, name), Name = name, Type = Type,
        Properties = PropertyCodec.Encode(Props.Map(("allocationId", "eipalloc-00000000000000000"), ("publicIp", "198.51.100.7"), ("domain", "vpc"))),
    };

    [Fact]
    public async Task A_warning_reaches_the_engine_with_the_resource_urn()
    {
        await using var h = await aws.StartPluginAsync();
        await h.Client.DeleteAsync(DeleteOfGoneAddress("gone"));
        var warning = Assert.Single(h.Engine.Messages, m => m.Severity == LogSeverity.Warning);
        Assert.Equal(LifecycleHarness.Urn(Type, "gone"), warning.Urn);
        Assert.Contains("outside this stack", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("testing", string.Join("\n", h.Engine.Messages.Select(m => m.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Started_without_an_engine_address_the_plugin_waits_for_Attach()
    {
        await using var engine = await FakeEngine.StartAsync();
        await using var plugin = await PluginProcess.StartAsync([], new Dictionary<string, string?> { ["AWS_EC2_METADATA_DISABLED"] = "true" });
        await plugin.Client.HandshakeAsync(new ProviderHandshakeRequest());
        await plugin.Client.AttachAsync(new PluginAttach { Address = engine.Address });
        await plugin.Client.ConfigureAsync(new ConfigureRequest { Args = PropertyCodec.Encode(aws.Config()), AcceptSecrets = true });
        await plugin.Client.DeleteAsync(DeleteOfGoneAddress("attached"));
        Assert.Contains(engine.Messages, m => m.Severity == LogSeverity.Warning && m.Urn == LifecycleHarness.Urn(Type, "attached"));
    }

    [Fact]
    public async Task The_region_can_come_from_AWS_REGION_instead_of_config()
    {
        await using var h = await LifecycleHarness.StartAsync(new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1" });
        var config = aws.Config().Remove("awsRegion");
        (await h.ConfigureAsync(config)).EnsureOk();
        var up = (await h.UpAsync(new ResourceSpec(Type, "env-region", Props.Map()))).EnsureOk();
        Assert.StartsWith("eipalloc-", up.Id, StringComparison.Ordinal);
        (await h.DestroyAsync("env-region")).EnsureOk();
    }

    [Fact]
    public async Task Without_any_region_a_resource_call_fails_precondition_naming_the_key()
    {
        await using var h = await LifecycleHarness.StartAsync(new Dictionary<string, string?> { ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null });
        (await h.ConfigureAsync(aws.Config().Remove("awsRegion"))).EnsureOk();
        var up = await h.UpAsync(new ResourceSpec(Type, "no-region", Props.Map()));
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, up.Code);
        Assert.Contains("publicip:awsRegion", up.Error, StringComparison.Ordinal);
        Assert.Empty(h.State);
    }
}
