using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using static PublicIp.Tests.Alicloud.AlibabaFixture;

namespace PublicIp.Tests.Alicloud;

/// <summary>Signature versions, missing settings and credential failures: clear, and never carrying the secret.</summary>
public class AlicloudConfigurationTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    [Theory]
    [InlineData("v1", EmulatorSignatureVersion.RpcV1)]
    [InlineData("v3", EmulatorSignatureVersion.Acs3HmacSha256)]
    public async Task Both_signature_versions_are_accepted(string version, EmulatorSignatureVersion expected)
    {
        var instance = ali.AddInstance();
        await using var h = await ali.StartPluginAsync(("alicloudSignatureVersion", version));
        var eip = (await h.UpAsync(new ResourceSpec(EipType, "sig", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk().Id!;
        (await h.UpAsync(new ResourceSpec(InstanceType, "sig-ip", Props.Map(("instanceId", ali.AddInstance().InstanceId))))).EnsureOk();
        (await h.DestroyAsync("sig")).EnsureOk();
        (await h.DestroyAsync("sig-ip")).EnsureOk();
        var mine = ali.Emulator.Requests.Where(r => r.Parameters.GetValueOrDefault("AllocationId") == eip).ToList();
        Assert.NotEmpty(mine);
        Assert.All(mine, r => Assert.Equal(expected, r.SignatureVersion));
        ali.AssertNoSecret(h);
    }

    [Fact]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch_naming_the_config_key_without_the_secret()
    {
        const string wrong = "wrong-secret-value-123";
        await using var h = await LifecycleHarness.StartAsync(CleanEnvironment);
        (await h.ConfigureAsync(ali.Config().Set("alicloudSecretKey", Props.Secret(wrong)))).EnsureOk();
        var up = await h.UpAsync(new ResourceSpec(EipType, "badsig", Props.Map()));
        Assert.Equal(StatusCode.Unauthenticated, up.Code);
        Assert.Contains("[SignatureDoesNotMatch]", up.Error, StringComparison.Ordinal);
        Assert.Contains("alicloudSecretKey", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Engine.Messages, m => m.Message.Contains(wrong, StringComparison.Ordinal));
        Assert.DoesNotContain(wrong, h.Plugin.Stderr, StringComparison.Ordinal);
        Assert.Empty(h.State);
    }

    [Fact]
    public async Task An_unknown_access_key_is_InvalidAccessKeyId_NotFound()
    {
        await using var h = await LifecycleHarness.StartAsync(CleanEnvironment);
        (await h.ConfigureAsync(ali.Config().Set("alicloudAccessKey", Props.Secret("LTAI-nobody")))).EnsureOk();
        var up = await h.UpAsync(new ResourceSpec(EipType, "badkey", Props.Map()));
        Assert.Equal(StatusCode.Unauthenticated, up.Code);
        Assert.Contains("[InvalidAccessKeyId.NotFound]", up.Error, StringComparison.Ordinal);
        Assert.Contains("alicloudAccessKey", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ali.Secret, up.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_credentials_and_region_are_FailedPrecondition_naming_keys_and_variables()
    {
        await using var h = await LifecycleHarness.StartAsync(CleanEnvironment);
        (await h.ConfigureAsync(Props.Map(("alicloudRegion", Region), ("alicloudEcsEndpoint", ali.Emulator.Endpoint.ToString()),
            ("alicloudVpcEndpoint", ali.Emulator.Endpoint.ToString())))).EnsureOk();
        var noCredentials = await h.UpAsync(new ResourceSpec(EipType, "nocreds", Props.Map()));
        Assert.Equal(StatusCode.FailedPrecondition, noCredentials.Code);
        Assert.Contains("publicip:alicloudAccessKey", noCredentials.Error, StringComparison.Ordinal);
        Assert.Contains("ALIBABA_CLOUD_ACCESS_KEY_ID", noCredentials.Error, StringComparison.Ordinal);

        await using var h2 = await LifecycleHarness.StartAsync(CleanEnvironment);
        (await h2.ConfigureAsync(Props.Map(("alicloudAccessKey", Props.Secret(ali.AccessKeyId)), ("alicloudSecretKey", Props.Secret(ali.Secret))))).EnsureOk();
        var noRegion = await h2.UpAsync(new ResourceSpec(EipType, "noregion", Props.Map()));
        Assert.Contains(noRegion.CheckFailures, f => f.Property == "regionId" && f.Reason.Contains("alicloudRegion", StringComparison.Ordinal));
        Assert.DoesNotContain(h2.Engine.Messages, m => m.Message.Contains(ali.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Credentials_from_the_environment_are_used_when_config_has_none()
    {
        var env = new Dictionary<string, string?>(CleanEnvironment)
        {
            ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = ali.AccessKeyId,
            ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = ali.Secret,
        };
        await using var h = await LifecycleHarness.StartAsync(env);
        (await h.ConfigureAsync(Props.Map(("alicloudRegion", Region), ("alicloudEcsEndpoint", ali.Emulator.Endpoint.ToString()),
            ("alicloudVpcEndpoint", ali.Emulator.Endpoint.ToString())))).EnsureOk();
        (await h.UpAsync(new ResourceSpec(EipType, "envcreds", Props.Map()))).EnsureOk();
        (await h.DestroyAsync("envcreds")).EnsureOk();
        ali.AssertNoSecret(h);
    }
}
