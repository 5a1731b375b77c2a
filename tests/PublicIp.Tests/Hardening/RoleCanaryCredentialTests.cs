using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Tests.Alicloud;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Credentials the plugin obtains while it runs, through the published binary at -v=9 --logtostderr: the sessions
/// awsAssumeRole (a chain of two roles) and web identity get from moto's STS behind our proxy, which records every
/// session it passes and can end sessions in seconds so they are renewed; and the sessions alicloudAssumeRole gets
/// from the Alibaba emulator's STS, which issues canary values. Calls fail with cloud errors that quote the key and
/// session token that signed them. None of those keys, secrets or tokens may appear on stdout, stderr, in
/// Engine.Log, a gRPC error or an output.
/// </summary>
public class RoleCanaryCredentialTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string DeployRole = "arn:aws:iam::222222222222:role/deploy";
    private const string TargetRole = "arn:aws:iam::333333333333:role/publicip";
    private static readonly string[] Verbose = ["--logtostderr", "-v=9"];

    private readonly LeakWitness _seen = new();

    private static ResourceSpec Eip(string name) => new("publicip:aws:ElasticIp", name, Props.Map(("domain", "vpc")));

    private static IEnumerable<string> Canaries(IEnumerable<IssuedSession> sessions) =>
        sessions.SelectMany(s => new[] { s.AccessKeyId, s.SecretAccessKey, s.SessionToken });

    [Fact]
    public async Task Sessions_of_assumed_aws_roles_and_web_identity_never_leave_the_process()
    {
        aws.Reset();
        aws.Proxy.Sessions.Lifetime = TimeSpan.FromSeconds(6);
        try
        {
            await AssumedRoleChainAsync();
            await WebIdentityAsync();
        }
        finally
        {
            aws.Reset();
            aws.Proxy.Sessions.Lifetime = null;
        }

        var sessions = aws.Proxy.Sessions.IssuedSessions;
        // Both hops, a renewal, and the web-identity session: every one is a canary.
        Assert.True(sessions.Count(s => s.Action == "AssumeRole") >= 3, $"{sessions.Count} sessions issued");
        Assert.Contains(sessions, s => s.Action == "AssumeRoleWithWebIdentity");
        _seen.AssertNoneOf(Canaries(sessions));
    }

    private async Task AssumedRoleChainAsync()
    {
        await using var h = await LifecycleHarness.StartAsync(AlibabaFixture.CleanEnvironment, Verbose);
        (await h.ConfigureAsync(aws.Config(("awsStsEndpoint", aws.Proxy.Endpoint.ToString()),
            ("awsAssumeRole", new object?[] { Role(DeployRole), Role(TargetRole) })))).EnsureOk();

        // Hop 2's AssumeRole is signed with hop 1's session, and STS's answer quotes it.
        var hop2 = aws.Proxy.Inject(Fault.EchoingRequest("AssumeRole").When(r => r.Get("RoleArn") == TargetRole));
        var refused = _seen.Saw(await h.UpAsync(Eip("refused")));
        Assert.Equal(1, hop2.Fired);
        Assert.NotEqual(StatusCode.OK, refused.Code);
        Assert.Contains("STS said", refused.Error, StringComparison.Ordinal);
        Assert.Contains("[secret]", refused.Error, StringComparison.Ordinal);

        // EC2 signed with hop 2's session, and an EC2 answer that quotes it.
        var ec2 = aws.Proxy.Inject(Fault.EchoingRequest("AllocateAddress"));
        var echoed = _seen.Saw(await h.UpAsync(Eip("echoed")));
        Assert.Equal(1, ec2.Fired);
        Assert.Contains("EC2 said", echoed.Error, StringComparison.Ordinal);
        Assert.Contains("[secret]", echoed.Error, StringComparison.Ordinal);

        _seen.Saw((await h.PreviewAsync(Eip("web"))).EnsureOk());
        _seen.Saw((await h.UpAsync(Eip("web"))).EnsureOk());
        _seen.Saw((await h.RefreshAsync("web")).EnsureOk());
        // The destroy outlives the sessions (6 s): its release is signed with renewed ones, and a renewed one is quoted.
        aws.Proxy.Inject(Fault.Latency("DescribeAddresses", TimeSpan.FromSeconds(6)));
        var release = aws.Proxy.Inject(Fault.EchoingRequest("ReleaseAddress"));
        var kept = _seen.Saw(await h.DestroyAsync("web"));
        Assert.Equal(1, release.Fired);
        Assert.NotEqual(StatusCode.OK, kept.Code);
        _seen.Saw((await h.DestroyAsync("web")).EnsureOk());
        var signers = aws.Proxy.Journal.Entries.Where(e => e.Action is "AllocateAddress" or "ReleaseAddress").Select(e => e.AccessKeyId).Distinct().ToList();
        Assert.True(signers.Count >= 2, "the release was signed with a renewed session");
        await _seen.SawPluginAsync(h);
    }

    private async Task WebIdentityAsync()
    {
        var token = Path.Combine(Path.GetTempPath(), $"publicip-web-identity-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(token, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl");
        try
        {
            await using var h = await LifecycleHarness.StartAsync(new Dictionary<string, string?>(AlibabaFixture.CleanEnvironment)
            {
                ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_SESSION_TOKEN"] = null,
                ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token, ["AWS_ROLE_ARN"] = DeployRole, ["AWS_ROLE_SESSION_NAME"] = "oidc-ci",
                ["AWS_ENDPOINT_URL_STS"] = aws.Proxy.Endpoint.ToString(),
            }, Verbose);
            (await h.ConfigureAsync(Props.Map(("awsRegion", "us-east-1"), ("awsEndpoint", aws.Proxy.Endpoint.ToString()), ("awsMaxRetries", 0)))).EnsureOk();

            var ec2 = aws.Proxy.Inject(Fault.EchoingRequest("AllocateAddress"));
            var echoed = _seen.Saw(await h.UpAsync(Eip("oidc")));
            Assert.Equal(1, ec2.Fired);
            Assert.Contains("[secret]", echoed.Error, StringComparison.Ordinal);
            await _seen.SawPluginAsync(h);
        }
        finally
        {
            File.Delete(token);
        }
    }

    private static Dictionary<string, object?> Role(string arn) => new() { ["roleArn"] = arn };

    [Fact]
    public async Task Sessions_of_an_assumed_alibaba_role_never_leave_the_process()
    {
        var baseKey = "LTAI-base-" + Guid.NewGuid().ToString("N")[..8];
        var baseSecret = "base-secret-" + Guid.NewGuid().ToString("N");
        var issued = 0;
        await using var emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions
        {
            Credentials = [new EmulatorCredential(baseKey, baseSecret)],
            // Canary sessions, with the characters a signed request percent-encodes.
            IssueStsCredential = () =>
            {
                var n = Interlocked.Increment(ref issued);
                var id = Guid.NewGuid().ToString("N");
                return new EmulatorCredential($"STS.canary{n}{id[..12]}", $"canarysecret{n}/{id}+=", $"CAIScanarytoken{n}{id}/+==");
            },
            StsSessionLifetime = TimeSpan.FromSeconds(6),
            AssociateDuration = TimeSpan.FromMilliseconds(200), UnassociateDuration = TimeSpan.FromMilliseconds(200), ReleaseDuration = TimeSpan.FromMilliseconds(200),
        });
        foreach (var signature in new[] { "v1", "v3" })
        {
            await using var h = await LifecycleHarness.StartAsync(AlibabaFixture.CleanEnvironment, Verbose);
            var endpoint = emulator.Endpoint.ToString();
            (await h.ConfigureAsync(Props.Map(("alicloudRegion", AlibabaFixture.Region), ("alicloudEcsEndpoint", endpoint), ("alicloudVpcEndpoint", endpoint),
                ("alicloudStsEndpoint", endpoint), ("alicloudMaxRetries", 0), ("alicloudSignatureVersion", signature),
                ("alicloudAccessKey", Props.Secret(baseKey)), ("alicloudSecretKey", Props.Secret(baseSecret)),
                ("alicloudAssumeRole", new Dictionary<string, object?> { ["roleArn"] = "acs:ram::1234567890123456:role/publicip-deploy" })))).EnsureOk();
            var eip = new ResourceSpec(AlibabaFixture.EipType, "eip", Props.Map(("bandwidth", 1)));

            emulator.EchoCredentialsNext("AllocateEipAddress");
            var echoed = _seen.Saw(await h.UpAsync(eip));
            Assert.NotEqual(StatusCode.OK, echoed.Code);
            Assert.Contains("IncompleteSignature", echoed.Error, StringComparison.Ordinal);
            Assert.Contains("[secret]", echoed.Error, StringComparison.Ordinal);

            _seen.Saw((await h.PreviewAsync(eip)).EnsureOk());
            _seen.Saw((await h.UpAsync(eip)).EnsureOk());
            _seen.Saw((await h.RefreshAsync("eip")).EnsureOk());
            // Outlive the session: the release is signed with a renewed one, which a refused call then quotes.
            emulator.DelayNext("DescribeEipAddresses", 1, TimeSpan.FromSeconds(6));
            emulator.EchoCredentialsNext("ReleaseEipAddress");
            var kept = _seen.Saw(await h.DestroyAsync("eip"));
            Assert.NotEqual(StatusCode.OK, kept.Code);
            Assert.Contains("[secret]", kept.Error, StringComparison.Ordinal);
            _seen.Saw((await h.DestroyAsync("eip")).EnsureOk());
            await _seen.SawPluginAsync(h);
        }

        var sessions = emulator.IssuedSessions;
        Assert.True(sessions.Count >= 4, $"{sessions.Count} sessions issued (one per run and a renewal each)");
        var releases = emulator.Requests.Where(r => r.Action == "ReleaseEipAddress").Select(r => r.AccessKeyId).ToHashSet();
        Assert.Contains(releases, key => !emulator.Requests.Any(r => r.Action == "AllocateEipAddress" && r.Status == 200 && r.AccessKeyId == key));
        _seen.AssertNoneOf(sessions.SelectMany(s => new[] { s.AccessKeyId, s.AccessKeySecret, s.SecurityToken! }));
    }
}
