using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using static PublicIp.Tests.Hardening.BadInputPlugin;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Each bad input the adversarial engine found, through the published binary: every answer is OK, a Check failure,
/// or a typed error with a short message naming the property; never Internal, Unknown, a hang or a crash, and the
/// connection keeps serving.
/// </summary>
public class BadInputTests(BadInputPlugin plugin) : IClassFixture<BadInputPlugin>
{
    private static readonly string Huge = new('x', 100_000);

    private async Task AssertAcceptableAsync(string what, Func<Task<IEnumerable<Pulumirpc.CheckFailure>>> call, string? mustName = null)
    {
        var outcome = await ClassifyAsync(call);
        Assert.True(outcome.Problem is null, $"{what}: {outcome.Problem}");
        if (mustName is not null)
        {
            Assert.True(outcome.Detail.Contains(mustName, StringComparison.Ordinal), $"{what}: '{outcome.Detail}' does not name {mustName}");
        }
        await plugin.AssertStillServingAsync();
    }

    [Fact]
    public async Task Errors_quoting_100_KB_values_are_answered_short_and_the_connection_keeps_serving()
    {
        var client = plugin.Client;
        await AssertAcceptableAsync("Configure echoing a long endpoint", () => plugin.CallAsync("Configure", Wrap("awsEndpoint", Value.ForString(Huge))), "awsEndpoint");
        await AssertAcceptableAsync("CheckConfig of a long endpoint", () => plugin.CallAsync("CheckConfig", Wrap("awsEndpoint", Value.ForString(Huge))), "awsEndpoint");
        await AssertAcceptableAsync("an unknown 100 KB type", () => plugin.CallAsync("Check", new Struct(), type: Huge));
        await AssertAcceptableAsync("Read of a 100 KB id", () => plugin.CallAsync("Read", new Struct(), id: Huge));
        await AssertAcceptableAsync("Delete of a 100 KB id", () => plugin.CallAsync("Delete", new Struct(), id: Huge));
        await AssertAcceptableAsync("GetSchema of a long sub-package", async () =>
        {
            await client.GetSchemaAsync(new GetSchemaRequest { SubpackageName = Huge }, Deadline(15));
            return [];
        });
        await AssertAcceptableAsync("Invoke of a long token", async () =>
        {
            await client.InvokeAsync(new InvokeRequest { Tok = Huge }, Deadline(15));
            return [];
        });
    }

    public static TheoryData<string, string> MalformedSpecialValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var rpc in ValueRpcs)
        {
            data.Add(rpc, "unknown signature");
            data.Add(rpc, "reference without urn");
            data.Add(rpc, "bogus signature in a map");
            data.Add(rpc, "output with bad dependencies");
        }
        return data;
    }

    private static Value Malformed(string kind)
    {
        Struct Special(string sig, params (string Key, Value Value)[] fields)
        {
            var s = new Struct();
            s.Fields[PropertyCodec.SignatureKey] = Value.ForString(sig);
            foreach (var (k, v) in fields)
            {
                s.Fields[k] = v;
            }
            return s;
        }
        return kind switch
        {
            "unknown signature" => Value.ForStruct(Special("not-a-signature")),
            "reference without urn" => Value.ForStruct(Special(PropertyCodec.ResourceReferenceSignature, ("id", Value.ForString("i-1")))),
            "bogus signature in a map" => Value.ForStruct(Wrap("team", Value.ForStruct(Special("0123456789abcdef", ("value", Value.ForNumber(1)))))),
            "output with bad dependencies" => Value.ForStruct(Special(PropertyCodec.OutputValueSignature, ("dependencies", Value.ForNumber(3)))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [MemberData(nameof(MalformedSpecialValues))]
    public async Task Malformed_special_values_name_the_property(string rpc, string kind) =>
        await AssertAcceptableAsync($"{rpc} with {kind}", () => plugin.CallAsync(rpc, Wrap("tags", Malformed(kind))), "tags");

    public static TheoryData<string, string, int> DeepValues()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var rpc in new[] { "CheckConfig", "Configure", "Check", "Create", "Delete" })
        {
            data.Add(rpc, "map", 40);
            data.Add(rpc, "list", 60);
            data.Add(rpc, "map", 400);
            data.Add(rpc, "list", 600);
        }
        // 4,500 protobuf levels (3 per map level): far past C#'s default 100, within Go's 10,000 that the engine marshals with.
        data.Add("CheckConfig", "map", 1500);
        return data;
    }

    public static Value Deep(string shape, int depth)
    {
        var v = Value.ForString("bottom");
        for (var i = 0; i < depth; i++)
        {
            v = shape == "map" ? Value.ForStruct(Wrap("k", v)) : Value.ForList(v);
        }
        return v;
    }

    [Theory]
    [MemberData(nameof(DeepValues))]
    public async Task Deep_values_are_refused_naming_the_property(string rpc, string shape, int depth) =>
        await AssertAcceptableAsync($"{rpc} with a {shape} {depth} deep", () => plugin.CallAsync(rpc, Wrap("tags", Deep(shape, depth))),
            depth > PropertyCodec.MaxDepth ? "tags" : null);

    [Theory]
    [InlineData("Create", 7_200_000.0)] // customTimeouts 2000h
    [InlineData("Create", 1e300)]
    [InlineData("Read", double.PositiveInfinity)]
    [InlineData("Update", double.MaxValue)]
    [InlineData("Delete", double.NaN)]
    [InlineData("Delete", -1.0)]
    [InlineData("Delete", 1e-300)]
    public async Task Huge_or_malformed_timeouts_never_overflow(string rpc, double timeout)
    {
        var inputs = PropertyCodec.Encode(Props.Map(("domain", "vpc"), ("allocationId", "eipalloc-0123456789abcdef0"), ("publicIp", "198.51.100.7")));
        await AssertAcceptableAsync($"{rpc} with timeout {timeout}", () => plugin.CallAsync(rpc, inputs, timeout: timeout));
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("127.0.0.1")]
    [InlineData("http://")]
    [InlineData("::::")]
    [InlineData("x@127.0.0.1:1/path")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("\0")]
    public async Task A_malformed_engine_address_is_InvalidArgument_in_Handshake_and_Attach(string address)
    {
        var handshake = await ClassifyAsync(async () =>
        {
            await plugin.Client.HandshakeAsync(new ProviderHandshakeRequest { EngineAddress = address }, Deadline(10));
            return [];
        });
        Assert.Equal(StatusCode.InvalidArgument, handshake.Code);
        Assert.Contains("engineAddress", handshake.Detail, StringComparison.Ordinal);
        var attach = await ClassifyAsync(async () =>
        {
            await plugin.Client.AttachAsync(new PluginAttach { Address = address }, Deadline(10));
            return [];
        });
        Assert.Equal(StatusCode.InvalidArgument, attach.Code);
        await plugin.AssertStillServingAsync();
        // The engine connection made at start-up is untouched: the plugin still logs to it.
        await plugin.Client.HandshakeAsync(new ProviderHandshakeRequest { EngineAddress = plugin.Harness.Engine.Address }, Deadline(10));
    }

    public static TheoryData<string> NotRegions() => ["cn:99999", " ", "\0", "../", "x@attacker.example/", "cn-hangzhou/../x", "CN-HANGZHOU", new string('a', 100_000)];

    [Theory]
    [MemberData(nameof(NotRegions))]
    public async Task A_region_that_is_not_a_region_id_is_a_check_failure_naming_it(string region)
    {
        foreach (var type in new[] { "publicip:alicloud:InstancePublicIp", "publicip:alicloud:EipAddress" })
        {
            var inputs = PropertyCodec.Encode(Props.Map(("instanceId", "i-bp1example"), ("regionId", region)));
            var check = await plugin.Client.CheckAsync(new CheckRequest { Urn = LifecycleHarness.Urn(type, "r"), Type = type, Olds = new Struct(), News = inputs }, Deadline());
            var failure = Assert.Single(check.Failures, f => f.Property == "regionId");
            Assert.True(failure.Reason.Length < 300, failure.Reason);
            // A state that already holds such a region (an old stack) is refused before any URL is built.
            var delete = await ClassifyAsync(() => plugin.CallAsync("Delete", inputs, type: type, id: "eip-bp1example"));
            Assert.Null(delete.Problem);
            Assert.Equal(StatusCode.InvalidArgument, delete.Code);
            Assert.Contains("regionId", delete.Detail, StringComparison.Ordinal);
        }
        foreach (var key in new[] { "alicloudRegion", "awsRegion" })
        {
            var config = await plugin.Client.CheckConfigAsync(new CheckRequest { News = PropertyCodec.Encode(Props.Map((key, region))) }, Deadline());
            Assert.Single(config.Failures, f => f.Property == key);
        }
        await plugin.AssertStillServingAsync();
    }

    [Fact]
    public async Task A_region_id_cannot_redirect_signed_requests_to_another_host()
    {
        // No endpoint overrides: the endpoint is built from the region. A region that smuggles in "user@host/" would
        // send the signed request (AccessKeyId, STS token) to the listener below.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        await using var h = await LifecycleHarness.StartAsync();
        (await h.ConfigureAsync(Props.Map(("alicloudAccessKey", "LTAIexample"), ("alicloudSecretKey", "example-secret"), ("alicloudSecurityToken", "sts-example"),
            ("alicloudRegion", "cn-hangzhou"), ("alicloudMaxRetries", 0)))).EnsureOk();
        var attack = $"x@127.0.0.1:{port}/";
        foreach (var type in new[] { "publicip:alicloud:InstancePublicIp", "publicip:alicloud:EipAddress" })
        {
            var state = Props.Map(("instanceId", "i-bp1example"), ("regionId", attack), ("allocationId", "eip-bp1example"), ("ipAddress", "203.0.113.9"));
            h.Adopt(new StateEntry(type, "attack", LifecycleHarness.Urn(type, "attack"), "eip-bp1example", state, state));
            var read = await h.RefreshAsync("attack");
            Assert.Equal(StatusCode.InvalidArgument, read.Code);
            var delete = await h.DestroyAsync("attack");
            Assert.Equal(StatusCode.InvalidArgument, delete.Code);
            Assert.Contains("regionId", delete.Error, StringComparison.Ordinal);
        }
        var config = await h.Client.CheckConfigAsync(new CheckRequest { News = PropertyCodec.Encode(Props.Map(("alicloudRegion", attack), ("awsRegion", attack))) });
        Assert.Equal(2, config.Failures.Count);
        await Task.Delay(300);
        Assert.False(accepted.IsCompleted, "the plugin connected to the host smuggled into a region id");
    }
}
