using Grpc.Core;
using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>
/// awsAssumeRole through the published binary against moto's STS (behind our proxy, which records which key
/// signed every call and can make sessions expire in seconds), and the SDK's web-identity chain.
/// </summary>
public class AssumeRoleTests : ElasticIpTestBase, IClassFixture<AwsFixture>
{
    private const string DeployRole = "arn:aws:iam::222222222222:role/deploy";
    private const string TargetRole = "arn:aws:iam::333333333333:role/publicip";

    public AssumeRoleTests(AwsFixture aws) : base(aws)
    {
        aws.Proxy.Sessions.Lifetime = null;
    }

    private (string, object?) Sts => ("awsStsEndpoint", Aws.Proxy.Endpoint.ToString());

    private static Dictionary<string, object?> Role(string arn, params (string Key, object? Value)[] extra)
    {
        var role = new Dictionary<string, object?> { ["roleArn"] = arn };
        foreach (var (k, v) in extra)
        {
            role[k] = v;
        }
        return role;
    }

    private IReadOnlyList<Ec2JournalEntry> Ec2Calls => [.. Aws.Proxy.Journal.Entries.Where(e => e.Action != "AssumeRole")];

    [Fact]
    public async Task Ec2_calls_are_signed_with_the_assumed_roles_credentials_in_the_roles_account()
    {
        var policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""";
        await using var h = await Aws.StartPluginAsync(Sts, ("awsAssumeRole", Role(DeployRole,
            ("sessionName", "ci-42"), ("externalId", Props.Secret("shared-with-owner")), ("durationSeconds", 900), ("policy", policy))));

        var up = (await h.UpAsync(Spec("cross", ("tags", new Dictionary<string, string> { ["team"] = "net" })))).EnsureOk();

        var assume = Assert.Single(Aws.Proxy.Journal.For("AssumeRole"));
        Assert.Equal(DeployRole, assume.Get("RoleArn"));
        Assert.Equal("ci-42", assume.Get("RoleSessionName"));
        Assert.Equal("shared-with-owner", assume.Get("ExternalId"));
        Assert.Equal("900", assume.Get("DurationSeconds"));
        Assert.Equal(policy, assume.Get("Policy"));
        Assert.Equal("testing", assume.AccessKeyId);
        var keys = Ec2Calls.Select(e => e.AccessKeyId).Distinct().ToList();
        var key = Assert.Single(keys);
        Assert.StartsWith("ASIA", key, StringComparison.Ordinal);
        // Moto places what an assumed role creates in the role's account: the base account does not see it.
        Assert.Null(await Aws.FindInMotoAsync(up.Id!));

        (await h.DestroyAsync("cross")).EnsureOk();
        Assert.All(Ec2Calls, e => Assert.Equal(key, e.AccessKeyId));
        Assert.DoesNotContain("shared-with-owner", h.Plugin.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Engine.Messages, m => m.Message.Contains("shared-with-owner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chain_of_roles_signs_each_hop_with_the_one_before()
    {
        await using var h = await Aws.StartPluginAsync(Sts, ("awsAssumeRole", new object?[] { Role(DeployRole), Role(TargetRole, ("sessionName", "hop-2")) }));

        (await h.UpAsync(Spec("chained"))).EnsureOk();

        var hops = Aws.Proxy.Journal.For("AssumeRole");
        Assert.Equal([DeployRole, TargetRole], hops.Select(e => e.Get("RoleArn")));
        Assert.Equal("testing", hops[0].AccessKeyId);
        Assert.StartsWith("ASIA", hops[1].AccessKeyId, StringComparison.Ordinal);
        var ec2Key = Assert.Single(Ec2Calls.Select(e => e.AccessKeyId).Distinct());
        Assert.StartsWith("ASIA", ec2Key, StringComparison.Ordinal);
        Assert.NotEqual(hops[1].AccessKeyId, ec2Key);
        (await h.DestroyAsync("chained")).EnsureOk();
    }

    [Fact]
    public async Task A_destroy_that_outlives_its_session_renews_it_before_it_expires()
    {
        Aws.Proxy.Sessions.Lifetime = TimeSpan.FromSeconds(5);
        await using var h = await Aws.StartPluginAsync(Sts, ("awsAssumeRole", Role(DeployRole)));
        (await h.UpAsync(Spec("long"))).EnsureOk();
        // The destroy's first call (DescribeAddresses) takes 6 s: the release after it comes when the first session is over.
        Aws.Proxy.Inject(Fault.Latency("DescribeAddresses", TimeSpan.FromSeconds(6)));
        Aws.Proxy.Journal.Clear();

        var destroy = await h.DestroyAsync("long");

        Assert.Equal(StatusCode.OK, destroy.Code);
        Assert.Equal(0, Aws.Proxy.Sessions.Refused);
        var calls = Aws.Proxy.Journal.Entries;
        var describe = calls[0];
        Assert.Equal("DescribeAddresses", describe.Action);
        Assert.Single(calls, e => e.Action == "AssumeRole");
        var renewed = calls.SkipWhile(e => e.Action != "AssumeRole").Skip(1).ToList();
        Assert.Contains(renewed, e => e.Action == "ReleaseAddress");
        Assert.All(renewed, e => Assert.StartsWith("ASIA", e.AccessKeyId, StringComparison.Ordinal));
        Assert.DoesNotContain(renewed, e => e.AccessKeyId == describe.AccessKeyId);
    }

    [Fact]
    public async Task Access_denied_on_assume_role_is_a_diagnostic_with_the_remedy_and_no_ec2_call()
    {
        Aws.Proxy.Inject(Fault.Error("AssumeRole", Ec2Error.StsAccessDenied("arn:aws:iam::123456789012:user/ci", DeployRole)).Always());
        await using var h = await Aws.StartPluginAsync(Sts, ("awsAssumeRole", Role(DeployRole, ("externalId", "wrong-id"))));

        var up = await h.UpAsync(Spec("denied"));

        Assert.Equal(StatusCode.PermissionDenied, up.Code);
        Assert.Contains($"sts:AssumeRole of {DeployRole} failed", up.Error, StringComparison.Ordinal);
        Assert.Contains("trust policy", up.Error, StringComparison.Ordinal);
        Assert.Contains("externalId", up.Error, StringComparison.Ordinal);
        Assert.EndsWith("[AccessDenied]", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-id", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("testing", up.Error, StringComparison.Ordinal);
        Assert.Empty(Ec2Calls);
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task An_expired_static_session_token_is_a_diagnostic_with_the_remedy()
    {
        Aws.Proxy.Inject(Fault.Error("AllocateAddress", Ec2Error.RequestExpired()).Always());
        await using var h = await Aws.StartPluginAsync(("awsSessionToken", Props.Secret("FwoGZXIvYXdzEXAMPLE")));

        var up = await h.UpAsync(Spec("expired"));

        Assert.Equal(StatusCode.Unauthenticated, up.Code);
        Assert.Contains("temporary credentials", up.Error, StringComparison.Ordinal);
        Assert.Contains("awsAssumeRole", up.Error, StringComparison.Ordinal);
        Assert.EndsWith("[RequestExpired]", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("FwoGZXIvYXdzEXAMPLE", up.Error + h.Plugin.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_role_settings_are_check_failures_naming_the_setting()
    {
        await using var h = await LifecycleHarness.StartAsync();
        var result = await h.ConfigureAsync(Aws.Config(("awsAssumeRole", new object?[]
        {
            Role(DeployRole, ("durationSeconds", 60), ("colour", "red")),
            new Dictionary<string, object?> { ["sessionName"] = "x y" },
        })));

        Assert.Equal(["CheckConfig"], result.Calls);
        Assert.Contains(result.CheckFailures, f => f.Property == "awsAssumeRole[0].durationSeconds" && f.Reason.Contains("900", StringComparison.Ordinal));
        Assert.Contains(result.CheckFailures, f => f.Property == "awsAssumeRole[0].colour");
        Assert.Contains(result.CheckFailures, f => f.Property == "awsAssumeRole[1].roleArn");
        Assert.Contains(result.CheckFailures, f => f.Property == "awsAssumeRole[1].sessionName");
    }

    [Fact]
    public async Task A_role_given_as_json_text_is_read_like_an_object()
    {
        await using var h = await Aws.StartPluginAsync(Sts, ("awsAssumeRole", $$"""{"roleArn":"{{DeployRole}}","durationSeconds":1800}"""));
        (await h.UpAsync(Spec("json"))).EnsureOk();
        Assert.Equal("1800", Assert.Single(Aws.Proxy.Journal.For("AssumeRole")).Get("DurationSeconds"));
        (await h.DestroyAsync("json")).EnsureOk();
    }

    [Fact]
    public async Task Web_identity_from_the_environment_keeps_working_through_the_sdks_chain()
    {
        var token = Path.Combine(Path.GetTempPath(), $"publicip-web-identity-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(token, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl");
        try
        {
            await using var h = await LifecycleHarness.StartAsync(new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = null,
                ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_SESSION_TOKEN"] = null,
                ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token,
                ["AWS_ROLE_ARN"] = DeployRole,
                ["AWS_ROLE_SESSION_NAME"] = "oidc-ci",
                ["AWS_ENDPOINT_URL_STS"] = Aws.Proxy.Endpoint.ToString(),
            });
            (await h.ConfigureAsync(Props.Map(("awsRegion", "us-east-1"), ("awsEndpoint", Aws.Proxy.Endpoint.ToString()), ("awsMaxRetries", 1)))).EnsureOk();

            (await h.UpAsync(Spec("oidc"))).EnsureOk();

            var assume = Assert.Single(Aws.Proxy.Journal.For("AssumeRoleWithWebIdentity"));
            Assert.Equal(DeployRole, assume.Get("RoleArn"));
            var key = Assert.Single(Ec2Calls.Where(e => e.Action != "AssumeRoleWithWebIdentity").Select(e => e.AccessKeyId).Distinct());
            Assert.StartsWith("ASIA", key, StringComparison.Ordinal);
            (await h.DestroyAsync("oidc")).EnsureOk();
        }
        finally
        {
            File.Delete(token);
        }
    }
}
