using Grpc.Core;
using Pulumirpc;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Canary credentials and canary secret inputs, through the published binary at the engine's highest verbosity
/// (-v=9 --logtostderr): none may appear on stdout, stderr, in Engine.Log, in any gRPC error or Check failure,
/// or in any output outside a secret. The clouds are moto (behind the fault proxy) and the Alibaba emulator,
/// whose v1 SignatureDoesNotMatch quotes the string to sign as Alibaba does.
/// </summary>
public class CanaryCredentialTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private static string Canary(string kind) => $"canary{kind}{Guid.NewGuid():N}"[..28];

    private readonly string _awsKey = "AKIA" + Canary("AK").ToUpperInvariant();
    private readonly string _awsSecret = Canary("awssecret");
    private readonly string _envAwsKey = "AKIA" + Canary("EK").ToUpperInvariant();
    private readonly string _envAwsSecret = Canary("envsecret");
    private readonly string _aliKey = "LTAI" + Canary("ak");
    private readonly string _aliBadSecret = Canary("alibad");
    private readonly string _aliSecret = Canary("alisecret");
    private readonly string _aliToken = Canary("ststoken") + "/+=";
    private readonly string _secretInstance = "i-" + Canary("inst");
    private readonly string _secretDescription = Canary("desc");
    private readonly string _secretTag = Canary("tag");
    private const string SecretNumber = "918273645546";

    private readonly LeakWitness _seen = new();

    private IEnumerable<string> Canaries(params string[] extra) =>
        [_awsKey, _awsSecret, _envAwsKey, _envAwsSecret, _aliKey, _aliBadSecret, _aliSecret, _aliToken, _secretInstance, _secretDescription, _secretTag, SecretNumber, .. extra];

    private void Saw(StepResult step) => _seen.Saw(step);

    private void Saw(InvokeStep step)
    {
        _seen.Add(step.Error);
        _seen.AddRange(step.Failures.Select(f => f.Property + ": " + f.Reason));
        _seen.Add(LeakWitness.Visible(step.Return));
    }

    private async Task<StepResult> ExpectError(Func<Task> call)
    {
        try
        {
            await call();
            return new StepResult("direct", [], StatusCode.OK, null, [], null, PropertyMap.Empty, null);
        }
        catch (RpcException e)
        {
            _seen.Saw(e);
            return new StepResult("direct", [], e.StatusCode, e.Status.Detail, [], null, PropertyMap.Empty, null);
        }
    }

    [Fact]
    public async Task No_canary_reaches_stdout_stderr_engine_log_errors_or_outputs()
    {
        await using var emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions
        {
            Credentials = [new EmulatorCredential(_aliKey, _aliSecret, _aliToken)],
            AssociateDuration = TimeSpan.FromMilliseconds(200), UnassociateDuration = TimeSpan.FromMilliseconds(200), ReleaseDuration = TimeSpan.FromMilliseconds(200),
        });
        var vm = await aws.DefaultVpcInstanceAsync();
        var env = new Dictionary<string, string?>(Alicloud.AlibabaFixture.CleanEnvironment)
        {
            ["AWS_ACCESS_KEY_ID"] = _envAwsKey, ["AWS_SECRET_ACCESS_KEY"] = _envAwsSecret,
        };
        await using var h = await LifecycleHarness.StartAsync(env, flags: ["--logtostderr", "-v=9"]);

        // Credentials given as plain strings: CheckConfig hands them back as secrets.
        (string, object?)[] Config(string aliSecret) =>
        [
            ("awsRegion", "us-east-1"), ("awsEndpoint", aws.Proxy.Endpoint.ToString()), ("awsAccessKey", _awsKey), ("awsSecretKey", _awsSecret),
            ("awsMaxRetries", 0), ("alicloudRegion", "cn-beijing"), ("alicloudEcsEndpoint", emulator.Endpoint.ToString()),
            ("alicloudVpcEndpoint", emulator.Endpoint.ToString()), ("alicloudAccessKey", _aliKey), ("alicloudSecretKey", aliSecret),
            ("alicloudSecurityToken", _aliToken), ("alicloudSignatureVersion", "v1"), ("alicloudMaxRetries", 0),
        ];
        var checkedConfig = await h.Client.CheckConfigAsync(new CheckRequest { News = PropertyCodec.Encode(Props.Map(Config(_aliBadSecret))) });
        var returned = PropertyCodec.Decode(checkedConfig.Inputs);
        foreach (var key in new[] { "awsAccessKey", "awsSecretKey", "alicloudAccessKey", "alicloudSecretKey", "alicloudSecurityToken" })
        {
            Assert.IsType<SecretValue>(returned[key]);
        }
        Assert.IsType<StringValue>(returned["awsRegion"]);

        // A secret config value of the wrong type, and a credential of the wrong type given in plain text.
        var badConfig = Props.Map(("alicloudMaxRetries", Props.Secret(918273645546.0)), ("awsAccessKey", 918273645546.0), ("awsSecretKey", _awsSecret));
        var badCheck = await h.Client.CheckConfigAsync(new CheckRequest { News = PropertyCodec.Encode(badConfig) });
        Assert.Contains(badCheck.Failures, f => f.Property == "alicloudMaxRetries");
        _seen.AddRange(badCheck.Failures.Select(f => f.Reason));
        var badConfigure = await ExpectError(async () => await h.Client.ConfigureAsync(new ConfigureRequest { Args = PropertyCodec.Encode(badConfig), AcceptSecrets = true }));
        Assert.Equal(StatusCode.InvalidArgument, badConfigure.Code);
        Assert.Contains("alicloudMaxRetries", badConfigure.Error, StringComparison.Ordinal);

        // Alibaba with a wrong secret: v1 SignatureDoesNotMatch quotes the string to sign (AccessKeyId, SecurityToken).
        (await h.ConfigureAsync(Props.Map(Config(_aliBadSecret)))).EnsureOk();
        var refused = await h.UpAsync(new ResourceSpec("publicip:alicloud:EipAddress", "sig", Props.Map(("bandwidth", 1))));
        Saw(refused);
        Assert.Equal(StatusCode.Unauthenticated, refused.Code);
        Assert.Contains("SignatureDoesNotMatch", refused.Error, StringComparison.Ordinal);
        // Create's first call (the lookup for EIPs an interrupted create left) is the one refused.
        Assert.Contains(emulator.Requests, r => r.Action is "DescribeEipAddresses" or "AllocateEipAddress" && r.ErrorCode == "SignatureDoesNotMatch");

        // Alibaba with the right secret and secret inputs that do not exist: NotFound errors and init-failed reasons.
        (await h.ConfigureAsync(Props.Map(Config(_aliSecret)))).EnsureOk();
        var check = await h.PreviewAsync(new ResourceSpec("publicip:alicloud:InstancePublicIp", "nf", Props.Map(("instanceId", Props.Secret(_secretInstance)), ("vpcRelease", Props.Secret(_secretTag)))));
        Saw(check);
        Assert.Contains(check.CheckFailures, f => f.Property == "vpcRelease");
        var notFound = await h.UpAsync(new ResourceSpec("publicip:alicloud:InstancePublicIp", "nf", Props.Map(("instanceId", Props.Secret(_secretInstance)))));
        Saw(notFound);
        Assert.Equal(StatusCode.NotFound, notFound.Code);
        var eip = await h.UpAsync(new ResourceSpec("publicip:alicloud:EipAddress", "eip", Props.Map(
            ("instanceId", Props.Secret(_secretInstance)), ("description", Props.Secret(_secretDescription)), ("bandwidth", 1))));
        Saw(eip);
        Assert.NotEqual(StatusCode.OK, eip.Code);
        if (h.State.ContainsKey("eip"))
        {
            Saw(await h.DestroyAsync("eip"));
        }

        // AWS: a secret instanceId and a secret tag through preview (debug logs), up, refresh and destroy (status lines).
        var secretInstance = vm.InstanceId;
        var spec = new ResourceSpec("publicip:aws:ElasticIp", "web", Props.Map(("instanceId", Props.Secret(secretInstance)),
            ("tags", new Dictionary<string, object> { ["team"] = Props.Secret(_secretTag) })));
        Saw((await h.PreviewAsync(spec)).EnsureOk());
        var up = (await h.UpAsync(spec)).EnsureOk();
        Saw(up);
        Assert.IsType<SecretValue>(up.Outputs["instanceId"]);
        // An address given as a secret (say, on import) makes publicIp, which is the same address, secret too.
        var entry = h.State["web"];
        var publicIp = entry.Outputs.Str("publicIp")!;
        h.Adopt(entry with { Inputs = entry.Inputs.Set("address", Props.Secret(publicIp)) });
        var refreshed = (await h.RefreshAsync("web")).EnsureOk();
        Saw(refreshed);
        Assert.IsType<SecretValue>(refreshed.Outputs["publicIp"]);
        Assert.IsType<SecretValue>(refreshed.Outputs["instanceId"]);
        var before = h.Engine.Messages.Count;
        var destroyed = (await h.DestroyAsync("web")).EnsureOk();
        Saw(destroyed);
        var destroyLines = h.Engine.Messages.Skip(before).Select(m => m.Message).ToList();
        Assert.Contains(destroyLines, m => m.Contains("[secret]", StringComparison.Ordinal));
        Assert.DoesNotContain(destroyLines, m => m.Contains(publicIp, StringComparison.Ordinal));

        // Invokes: secret arguments in a lookup that finds nothing (its message quotes the criteria), in arguments that are
        // wrong (failures), and in an Alibaba lookup that succeeds (the signed request carries the tag at -v=9).
        var miss = await h.InvokeAsync("publicip:aws:getElasticIp", Props.Map(("tags", new Dictionary<string, object> { ["team"] = Props.Secret(_secretTag) })), preview: true);
        Saw(miss);
        Assert.Equal(StatusCode.NotFound, miss.Code);
        Assert.Contains("[secret]", miss.Error, StringComparison.Ordinal);
        var wrong = await h.InvokeAsync("publicip:aws:getElasticIps", Props.Map(("filters", Props.Secret(new object[] { new Dictionary<string, object> { ["name"] = _secretDescription, ["values"] = 918273645546.0 } }))));
        Saw(wrong);
        Assert.Contains(wrong.Failures, f => f.Property == "filters[0].values");
        var eips = (await h.InvokeAsync("publicip:alicloud:getEipAddresses", Props.Map(("tags", new Dictionary<string, object> { ["team"] = Props.Secret(_secretTag) })))).EnsureOk();
        Saw(eips);
        Assert.All(eips.Return.Values, v => Assert.IsType<SecretValue>(v));

        await _seen.SawPluginAsync(h);
        Assert.Contains(h.Engine.Messages, m => m.Ephemeral);
        _seen.AssertNoneOf(Canaries(secretInstance));
    }
}
