using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Harness;

namespace PublicIp.Tests.Protocol;

/// <summary>The launch contract and the calls every engine makes before any resource.</summary>
public class PluginHostTests
{
    [Fact]
    public async Task GetSchema_serves_the_repository_schema_json_byte_for_byte()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var served = (await h.Client.GetSchemaAsync(new GetSchemaRequest())).Schema;
        var onDisk = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema.json"));
        Assert.Equal(onDisk, served);
    }

    [Fact]
    public async Task Handshake_and_plugin_info_answer_as_the_engine_expects()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var handshake = await h.Client.HandshakeAsync(new ProviderHandshakeRequest { EngineAddress = h.Engine.Address });
        Assert.True(handshake.AcceptSecrets);
        Assert.True(handshake.AcceptResources);
        Assert.True(handshake.AcceptOutputs);
        var info = await h.Client.GetPluginInfoAsync(new Empty());
        Assert.Matches(@"^\d+\.\d+\.\d+", info.Version);
    }

    [Fact]
    public async Task Calls_it_does_not_serve_are_unimplemented_and_unknown_tokens_are_invalid_not_crashes()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () => await h.Client.ParameterizeAsync(new ParameterizeRequest()));
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        // Invoke is served now (the lookups): a token it does not know is the caller's mistake, named like an unknown type.
        var invoke = await Assert.ThrowsAsync<RpcException>(async () => await h.Client.InvokeAsync(new InvokeRequest { Tok = "publicip:index:nothing" }));
        Assert.Equal(StatusCode.InvalidArgument, invoke.StatusCode);
        Assert.Contains("publicip:index:nothing", invoke.Status.Detail, StringComparison.Ordinal);
        var unknownType = await Assert.ThrowsAsync<RpcException>(async () =>
            await h.Client.CheckAsync(new CheckRequest { Urn = LifecycleHarness.Urn("publicip:aws:Nope", "x"), Type = "publicip:aws:Nope", News = new Struct() }));
        Assert.Equal(StatusCode.InvalidArgument, unknownType.StatusCode);
        var mappings = await h.Client.GetMappingsAsync(new GetMappingsRequest { Key = "terraform" });
        Assert.Empty(mappings.Providers);
    }

    [Theory]
    [InlineData("Construct")]
    [InlineData("Call")]
    [InlineData("List")]
    public async Task Rpcs_outside_our_proto_subset_are_unimplemented(string rpc)
    {
        // These exist in Pulumi's ResourceProvider service but not in our subset: the server must still answer them.
        await using var h = await LifecycleHarness.StartAsync();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{h.Plugin.Port}");
        var method = new Method<Empty, Empty>(MethodType.Unary, "pulumirpc.ResourceProvider", rpc,
            Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), Empty.Parser.ParseFrom),
            Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), Empty.Parser.ParseFrom));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), new Empty()));
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        Assert.False(h.Plugin.HasExited);
    }

    [Fact]
    public async Task Cancel_then_SIGINT_exits_cleanly_within_five_seconds()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var took = await h.Plugin.ShutdownAsync();
        Assert.True(h.Plugin.HasExited);
        Assert.Equal(0, h.Plugin.ExitCode);
        Assert.True(took < TimeSpan.FromSeconds(5), $"exit took {took}");
    }

    [Fact]
    public async Task A_bad_config_value_is_a_check_failure_naming_the_key()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var result = await h.ConfigureAsync(Props.Map(("awsEndpoint", "not a url"), ("awsMaxRetries", "many"), ("awsRegoin", "us-east-1")));
        Assert.Equal(["CheckConfig"], result.Calls);
        Assert.Contains(result.CheckFailures, f => f.Property == "awsEndpoint");
        Assert.Contains(result.CheckFailures, f => f.Property == "awsMaxRetries");
        Assert.Contains(result.CheckFailures, f => f.Property == "awsRegoin");
    }

    [Fact]
    public async Task Launch_arguments_follow_the_engine_order()
    {
        var args = PublicIp.Protocol.Host.LaunchArguments.Parse(["--logtostderr", "-v=9", "--tracing", "http://t", "127.0.0.1:1234"]);
        Assert.Equal("127.0.0.1:1234", args.EngineAddress);
        Assert.Equal(9, args.Verbosity);
        Assert.Equal("http://t", args.Tracing);
        Assert.Null(PublicIp.Protocol.Host.LaunchArguments.Parse([]).EngineAddress);
        Assert.Throws<ArgumentException>(() => PublicIp.Protocol.Host.LaunchArguments.Parse(["a:1", "b:2"]));
        await Task.CompletedTask;
    }
}
