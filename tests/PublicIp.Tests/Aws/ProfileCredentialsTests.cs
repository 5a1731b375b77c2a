using System.Security.Cryptography;
using System.Text;
using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>
/// Profiles the SDK's own chain resolves, through the published Native AOT binary (where the SDK cannot build its
/// STS and SSO clients by reflection): an `sso_*` profile with a cached `aws sso login` token, whose
/// GetRoleCredentials our EC2 proxy emulates (AWS_ENDPOINT_URL_SSO), and a `role_arn` + `source_profile` profile
/// assumed through moto's STS behind the proxy. The proxy asserts which key signed every EC2 call.
/// </summary>
public sealed class ProfileCredentialsTests : ElasticIpTestBase, IClassFixture<AwsFixture>, IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("publicip-profiles-");

    public ProfileCredentialsTests(AwsFixture aws) : base(aws)
    {
        aws.Proxy.Sessions.Lifetime = null;
    }

    private string ConfigFile => Path.Combine(_home.FullName, ".aws", "config");

    private async Task WriteConfigAsync(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        await File.WriteAllTextAsync(ConfigFile, text);
    }

    private Task<LifecycleHarness> StartAsync(string profile, int maxRetries = 1) =>
        LifecycleHarness.StartConfiguredAsync(
            Props.Map(("awsRegion", "us-east-1"), ("awsEndpoint", Aws.Proxy.Endpoint.ToString()), ("awsProfile", profile), ("awsMaxRetries", maxRetries)),
            new Dictionary<string, string?>
            {
                ["HOME"] = _home.FullName,
                ["AWS_CONFIG_FILE"] = ConfigFile,
                ["AWS_ACCESS_KEY_ID"] = null,
                ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_SESSION_TOKEN"] = null,
                ["AWS_ENDPOINT_URL_SSO"] = Aws.Proxy.Endpoint.ToString(),
                ["AWS_ENDPOINT_URL_STS"] = Aws.Proxy.Endpoint.ToString(),
            });

    private IReadOnlyList<string?> Ec2Keys => [.. Aws.Proxy.Journal.Entries.Where(e => e.Action != "AssumeRole").Select(e => e.AccessKeyId).Distinct()];

    [Fact]
    public async Task An_sso_profile_with_a_cached_token_signs_ec2_calls_with_the_portals_role_credentials()
    {
        const string startUrl = "https://publicip-tests.awsapps.com/start";
        var token = "sso-token-" + Guid.NewGuid().ToString("N");
        Aws.Proxy.Sso.AccessToken = token;
        await WriteConfigAsync($"""
            [profile sso-deploy]
            sso_start_url = {startUrl}
            sso_region = us-east-1
            sso_account_id = 111111111111
            sso_role_name = publicip-deploy
            region = us-east-1
            """);
        // What `aws sso login` leaves behind: the token under the SHA-1 of the start URL.
        var cache = Directory.CreateDirectory(Path.Combine(_home.FullName, ".aws", "sso", "cache"));
#pragma warning disable CA5350 // the SDK names its token cache files by SHA-1, not for security
        var name = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(startUrl)));
#pragma warning restore CA5350
        await File.WriteAllTextAsync(Path.Combine(cache.FullName, name + ".json"),
            $$"""{"startUrl": "{{startUrl}}", "region": "us-east-1", "accessToken": "{{token}}", "expiresAt": "{{DateTime.UtcNow.AddHours(8):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        await using var h = await StartAsync("sso-deploy");

        var up = (await h.UpAsync(Spec("sso"))).EnsureOk();
        (await h.DestroyAsync("sso")).EnsureOk();

        var session = Assert.Single(Aws.Proxy.Sso.Issued);
        Assert.Equal(("111111111111", "publicip-deploy"), (session.AccountId, session.RoleName));
        Assert.Equal([session.AccessKeyId], Ec2Keys);
        Assert.StartsWith("eipalloc-", up.Id, StringComparison.Ordinal);
        Assert.DoesNotContain(token, h.Plugin.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_arn_profile_with_a_source_profile_is_assumed_through_sts()
    {
        await WriteConfigAsync("""
            [profile base]
            aws_access_key_id = testing
            aws_secret_access_key = testing

            [profile deploy]
            role_arn = arn:aws:iam::222222222222:role/deploy
            source_profile = base
            role_session_name = publicip-profile
            region = us-east-1
            """);
        await using var h = await StartAsync("deploy");

        (await h.UpAsync(Spec("role-profile"))).EnsureOk();
        (await h.DestroyAsync("role-profile")).EnsureOk();

        var assume = Assert.Single(Aws.Proxy.Journal.For("AssumeRole"));
        Assert.Equal("arn:aws:iam::222222222222:role/deploy", assume.Get("RoleArn"));
        Assert.Equal("publicip-profile", assume.Get("RoleSessionName"));
        Assert.Equal("testing", assume.AccessKeyId);
        var key = Assert.Single(Ec2Keys);
        Assert.StartsWith("ASIA", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_the_sdk_cannot_obtain_fail_at_once_with_their_diagnostic_not_retried_as_server_errors()
    {
        // An sso profile without the token `aws sso login` leaves: the SDK has nothing to sign with. That is no
        // server error: waiting cannot fix it, so awsMaxRetries must not be spent on it.
        await WriteConfigAsync("""
            [profile sso-logged-out]
            sso_start_url = https://publicip-tests.awsapps.com/logged-out
            sso_region = us-east-1
            sso_account_id = 111111111111
            sso_role_name = publicip-deploy
            region = us-east-1
            """);
        await using var h = await StartAsync("sso-logged-out", maxRetries: 3);

        var up = await h.UpAsync(Spec("logged-out"));

        Assert.False(up.Ok);
        Assert.Contains("[CredentialsUnavailable]", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Aws.Proxy.Journal.Entries, e => e.Action != "GetRoleCredentials");
        Assert.DoesNotContain(h.Engine.Messages, m => m.Message.Contains("retrying", StringComparison.Ordinal));
    }

    public void Dispose() => _home.Delete(recursive: true);
}
