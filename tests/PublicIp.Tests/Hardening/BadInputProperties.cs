using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Values;
using static PublicIp.Tests.Hardening.BadInputPlugin;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// The adversarial engine as a property: random malformed values, ids, types and timeouts through every RPC of
/// the published binary. Every answer must be OK, Check failures, or a typed error with a short message; never
/// Internal, Unknown, a hang or a crash; and the same connection keeps serving.
/// </summary>
public class BadInputProperties(BadInputPlugin plugin) : IClassFixture<BadInputPlugin>
{
    private static readonly string[] Signatures =
    [
        PropertyCodec.SecretSignature, PropertyCodec.ResourceReferenceSignature, PropertyCodec.OutputValueSignature,
        PropertyCodec.AssetSignature, PropertyCodec.ArchiveSignature, PropertyCodec.ByteStringSignature, "", "nonsense",
    ];

    private static readonly string[] Keys =
    [
        "domain", "instanceId", "networkInterfaceId", "privateIpAddress", "address", "tags", "regionId", "allocationId", "publicIp",
        "ipAddress", "bandwidth", "awsRegion", "awsEndpoint", "awsAccessKey", "alicloudRegion", "alicloudSecretKey", "alicloudMaxRetries",
        "rehearseDeletes", "value", "urn", "id", "secret", "dependencies", "", "__defaults", "k.x", "[0]", PropertyCodec.SignatureKey,
    ];

    private static Gen<string> Strings => Gen.OneOf(
        Gen.Elements("", " ", "vpc", "standard", "i-0123456789abcdef0", "eipalloc-1", "cn-hangzhou", "us-east-1", "x@attacker.example/",
            "../", "\0", "ü\u202e", "true", "1e309", "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "urn:pulumi:s::p::t::n"),
        Gen.Elements(Signatures),
        Gen.Choose(1, 6).Select(n => new string('y', n * 20_000)));

    private static Gen<Value> Leaf => Gen.OneOf(
        Gen.Constant(Value.ForNull()),
        Gen.Elements(true, false).Select(Value.ForBool),
        Gen.Elements(0, -1, 1.5, 1e300, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 918273645546, -0.0).Select(Value.ForNumber),
        Strings.Select(Value.ForString));

    private static Gen<Value> Values(int depth) => depth <= 0
        ? Leaf
        : Gen.OneOf(
            Leaf,
            Leaf,
            Values(depth - 1).ListOf().Select(l => Value.ForList([.. l.Take(4)])),
            Fields(depth - 1).Select(Value.ForStruct),
            // A special value: a real or bogus signature with whatever fields.
            Gen.Elements(Signatures).Zip(Fields(depth - 1)).Select(t =>
            {
                t.Item2.Fields[PropertyCodec.SignatureKey] = Value.ForString(t.Item1);
                return Value.ForStruct(t.Item2);
            }),
            // A signature that is not even a string.
            Leaf.Select(l => Value.ForStruct(Wrap(PropertyCodec.SignatureKey, l))),
            // Much deeper than anything the schema has.
            Gen.Elements("map", "list").Zip(Gen.Elements(40, 70, 300)).Select(t => BadInputTests.Deep(t.Item1, t.Item2)));

    private static Gen<Struct> Fields(int depth) =>
        Gen.Elements(Keys).Zip(Values(depth)).ListOf().Select(kvs =>
        {
            var s = new Struct();
            foreach (var (k, v) in kvs.Take(4))
            {
                s.Fields[k] = v;
            }
            return s;
        });

    public sealed record BadCall(string Rpc, Struct Values, string Type, string Id, double Timeout)
    {
        public override string ToString() =>
            $"{Rpc} type={Text.Quote(Type, 40)} id={Text.Quote(Id, 40)} timeout={Timeout} values={Text.Truncate(Values.ToString(), 300)}";
    }

    private static Gen<BadCall> Calls =>
        from rpc in Gen.Elements(ValueRpcs)
        from values in Fields(3)
        from type in Gen.OneOf(Gen.Elements(Types), Gen.Elements("", "publicip:aws:Nope", "publicip:alicloud:", "pulumi:providers:publicip"))
        from id in Gen.OneOf(Gen.Elements("", "eipalloc-0123456789abcdef0", "i-bp1example", "eip-bp1example", "203.0.113.9"), Strings)
        from timeout in Gen.Elements(0, 0, 0, 0.001, 7_200_000, 1e300, double.PositiveInfinity, double.NaN, -5)
        select new BadCall(rpc, values, type, id, timeout);

    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property Every_bad_call_gets_an_answer_the_engine_can_live_with() =>
        Prop.ForAll(Calls.ToArbitrary(), call => Task.Run(async () =>
        {
            var outcome = await ClassifyAsync(() => plugin.CallAsync(call.Rpc, call.Values, call.Type, call.Id, call.Timeout, deadlineSeconds: 30));
            await plugin.AssertStillServingAsync();
            return outcome.Problem is null;
        }).GetAwaiter().GetResult().Label("an acceptable answer"));

    [Fact]
    public async Task Handshake_Attach_GetSchema_and_Invoke_take_any_strings()
    {
        var strings = Strings.Sample(40, 1).Concat(["::", "http://[::1", "127.0.0.1:0", "host:65536"]);
        foreach (var s in strings)
        {
            foreach (var call in new Func<Task>[]
            {
                async () => await plugin.Client.HandshakeAsync(new ProviderHandshakeRequest { EngineAddress = s }, Deadline(10)),
                async () => await plugin.Client.AttachAsync(new PluginAttach { Address = s }, Deadline(10)),
                async () => await plugin.Client.GetSchemaAsync(new GetSchemaRequest { SubpackageName = s, SubpackageVersion = s }, Deadline(10)),
                async () => await plugin.Client.InvokeAsync(new InvokeRequest { Tok = s, Args = Wrap(s, Value.ForString(s)) }, Deadline(10)),
                async () => await plugin.Client.GetMappingAsync(new GetMappingRequest { Key = s, Provider = s }, Deadline(10)),
            })
            {
                var outcome = await ClassifyAsync(async () =>
                {
                    await call();
                    return [];
                });
                Assert.True(outcome.Problem is null, $"{Text.Quote(s, 40)}: {outcome.Problem}");
            }
        }
        // Put the engine connection back for whoever runs next on this plugin.
        await plugin.Client.HandshakeAsync(new ProviderHandshakeRequest { EngineAddress = plugin.Harness.Engine.Address }, Deadline(10));
        await plugin.AssertStillServingAsync();
    }
}
