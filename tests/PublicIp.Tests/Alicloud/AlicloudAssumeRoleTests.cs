using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Alicloud;

/// <summary>An emulator whose STS sessions last 6 s, with a base key, and a key that carries an STS token (StsToken profiles).</summary>
public sealed class ShortSessionAlibabaFixture : IAsyncLifetime
{
    public string BaseKey { get; } = "LTAI-base-" + Guid.NewGuid().ToString("N")[..8];
    public string BaseSecret { get; } = "base-secret-" + Guid.NewGuid().ToString("N");
    public string TokenKey { get; } = "STS.cli-" + Guid.NewGuid().ToString("N")[..8];
    public string TokenSecret { get; } = "cli-secret-" + Guid.NewGuid().ToString("N");
    public string Token { get; } = "CAIS-cli-" + Guid.NewGuid().ToString("N");

    public AlibabaEmulator.AlibabaEmulator Emulator { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions
        {
            Credentials = [new EmulatorCredential(BaseKey, BaseSecret), new EmulatorCredential(TokenKey, TokenSecret, Token)],
            StsSessionLifetime = TimeSpan.FromSeconds(6),
            AssociateDuration = TimeSpan.FromMilliseconds(300),
            UnassociateDuration = TimeSpan.FromMilliseconds(300),
            ReleaseDuration = TimeSpan.FromMilliseconds(300),
        });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}

/// <summary>
/// alicloudAssumeRole and the CLI profile file through the published binary, against the emulator's STS AssumeRole
/// (which checks every signature and that each session key comes with its SecurityToken, and ends sessions in 6 s).
/// </summary>
public class AlicloudAssumeRoleTests(ShortSessionAlibabaFixture alibaba) : IClassFixture<ShortSessionAlibabaFixture>
{
    private const string Role = "acs:ram::1234567890123456:role/publicip-deploy";

    private static ResourceSpec Eip(string name) => new(AlibabaFixture.EipType, name, Props.Map(("bandwidth", 1)));

    private PropertyMap Config(params (string Key, object? Value)[] extra) =>
        Props.Map([
            ("alicloudRegion", AlibabaFixture.Region),
            ("alicloudEcsEndpoint", alibaba.Emulator.Endpoint.ToString()),
            ("alicloudVpcEndpoint", alibaba.Emulator.Endpoint.ToString()),
            ("alicloudStsEndpoint", alibaba.Emulator.Endpoint.ToString()),
            ("alicloudMaxRetries", 0),
            .. extra,
        ]);

    private (string, object?)[] BaseKeys => [("alicloudAccessKey", Props.Secret(alibaba.BaseKey)), ("alicloudSecretKey", Props.Secret(alibaba.BaseSecret))];

    private List<EmulatorRequest> RequestsSince(int count) => [.. alibaba.Emulator.Requests.Skip(count)];

    [Theory]
    [InlineData("v1")]
    [InlineData("v3")]
    public async Task Vpc_calls_are_signed_with_the_assumed_roles_session_and_its_security_token(string signature)
    {
        var before = alibaba.Emulator.Requests.Count;
        await using var h = await LifecycleHarness.StartConfiguredAsync(Config([.. BaseKeys, ("alicloudSignatureVersion", signature),
            ("alicloudAssumeRole", new Dictionary<string, object?> { ["roleArn"] = Role, ["sessionName"] = "ci-7", ["externalId"] = Props.Secret("ext-abc"), ["durationSeconds"] = 900 })]),
            AlibabaFixture.CleanEnvironment);

        (await h.UpAsync(Eip("eip"))).EnsureOk();
        (await h.DestroyAsync("eip")).EnsureOk();

        var calls = RequestsSince(before);
        var assume = calls.First(r => r.Action == "AssumeRole");
        Assert.Equal(200, assume.Status);
        Assert.Equal(alibaba.BaseKey, assume.AccessKeyId);
        Assert.Equal(Role, assume.Parameters["RoleArn"]);
        Assert.Equal("ci-7", assume.Parameters["RoleSessionName"]);
        Assert.Equal("ext-abc", assume.Parameters["ExternalId"]);
        Assert.Equal("900", assume.Parameters["DurationSeconds"]);
        var vpc = calls.Where(r => r.Action != "AssumeRole").ToList();
        Assert.NotEmpty(vpc);
        // The emulator refuses a session key without its token (InvalidSecurityToken.MismatchWithAccessKey): all passed.
        Assert.All(vpc, r => Assert.StartsWith("STS.", r.AccessKeyId, StringComparison.Ordinal));
        Assert.All(calls, r => Assert.Null(r.ErrorCode));
        Assert.DoesNotContain("ext-abc", h.Plugin.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destroy_that_outlives_its_session_renews_it_before_it_expires()
    {
        await using var h = await LifecycleHarness.StartConfiguredAsync(Config([.. BaseKeys, ("alicloudAssumeRole", new Dictionary<string, object?> { ["roleArn"] = Role })]),
            AlibabaFixture.CleanEnvironment);
        (await h.UpAsync(Eip("long"))).EnsureOk();
        var before = alibaba.Emulator.Requests.Count;
        // The destroy's first read takes 6.5 s: every call after it comes when the first session has ended.
        alibaba.Emulator.DelayNext("DescribeEipAddresses", 1, TimeSpan.FromSeconds(6.5));

        var destroy = await h.DestroyAsync("long");

        Assert.Equal(StatusCode.OK, destroy.Code);
        var calls = RequestsSince(before);
        Assert.DoesNotContain(calls, r => r.ErrorCode is not null);
        var first = calls[0];
        Assert.Equal("DescribeEipAddresses", first.Action);
        var renewed = calls.SkipWhile(r => r.Action != "AssumeRole").Skip(1).ToList();
        Assert.Contains(renewed, r => r.Action == "ReleaseEipAddress");
        Assert.All(renewed, r => Assert.NotEqual(first.AccessKeyId, r.AccessKeyId));
    }

    [Fact]
    public async Task No_permission_on_assume_role_is_a_diagnostic_naming_the_remedy()
    {
        alibaba.Emulator.FailNext("AssumeRole", "NoPermission", 403, "You are not authorized to do this action. You should be authorized by RAM.");
        await using var h = await LifecycleHarness.StartConfiguredAsync(Config([.. BaseKeys, ("alicloudAssumeRole", new Dictionary<string, object?> { ["roleArn"] = Role })]),
            AlibabaFixture.CleanEnvironment);

        var up = await h.UpAsync(Eip("denied"));

        Assert.Equal(StatusCode.PermissionDenied, up.Code);
        Assert.Contains("trust policy", up.Error, StringComparison.Ordinal);
        Assert.Contains("[NoPermission]", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(alibaba.BaseSecret, up.Error + h.Plugin.Stderr, StringComparison.Ordinal);
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task The_cli_profile_file_is_read_when_config_and_environment_have_no_keys()
    {
        var file = Path.Combine(Path.GetTempPath(), $"publicip-aliyun-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, $$"""
            {"current":"sts","profiles":[
              {"name":"default","mode":"AK","access_key_id":"{{alibaba.BaseKey}}","access_key_secret":"{{alibaba.BaseSecret}}","region_id":"cn-beijing"},
              {"name":"sts","mode":"StsToken","access_key_id":"{{alibaba.TokenKey}}","access_key_secret":"{{alibaba.TokenSecret}}","sts_token":"{{alibaba.Token}}"},
              {"name":"role","mode":"RamRoleArn","access_key_id":"{{alibaba.BaseKey}}","access_key_secret":"{{alibaba.BaseSecret}}","ram_role_arn":"{{Role}}","ram_session_name":"from-cli","expired_seconds":900},
              {"name":"sso","mode":"CloudSSO"}]}
            """);
        try
        {
            foreach (var (profile, signer) in new[] { ("sts", alibaba.TokenKey), ("role", "STS."), ("default", alibaba.BaseKey) })
            {
                var env = new Dictionary<string, string?>(AlibabaFixture.CleanEnvironment) { ["ALIBABA_CLOUD_CONFIG_FILE"] = file };
                var before = alibaba.Emulator.Requests.Count;
                // "sts" is the file's current profile; the others are named through alicloudProfile.
                await using var h = await LifecycleHarness.StartConfiguredAsync(profile == "sts" ? Config() : Config(("alicloudProfile", profile)), env);
                (await h.UpAsync(Eip("cli-" + profile))).EnsureOk();
                (await h.DestroyAsync("cli-" + profile)).EnsureOk();
                var calls = RequestsSince(before);
                Assert.All(calls, r => Assert.Null(r.ErrorCode));
                Assert.All(calls.Where(r => r.Action != "AssumeRole"), r => Assert.StartsWith(signer, r.AccessKeyId, StringComparison.Ordinal));
                Assert.Equal(profile == "role", calls.Any(r => r.Action == "AssumeRole" && r.Parameters["RoleSessionName"] == "from-cli"));
            }

            var sso = new Dictionary<string, string?>(AlibabaFixture.CleanEnvironment) { ["ALIBABA_CLOUD_CONFIG_FILE"] = file };
            await using var refused = await LifecycleHarness.StartConfiguredAsync(Config(("alicloudProfile", "sso")), sso);
            var up = await refused.UpAsync(Eip("cli-sso"));
            Assert.Equal(StatusCode.FailedPrecondition, up.Code);
            Assert.Contains("mode CloudSSO", up.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
