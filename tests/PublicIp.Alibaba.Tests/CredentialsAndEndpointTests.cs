using Xunit;

namespace PublicIp.Alibaba.Tests;

public class CredentialsAndEndpointTests
{
    [Fact]
    public void ToString_hides_secret_and_token()
    {
        var text = new AlibabaCredentials("testid", "very-secret-value", "sts-token-value").ToString();
        Assert.Contains("testid", text, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sts-token-value", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolver_prefers_explicit_values_then_official_names_then_alicloud_names()
    {
        var env = new Dictionary<string, string>
        {
            ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "official-id",
            ["ALICLOUD_ACCESS_KEY"] = "tf-id",
            ["ALICLOUD_SECRET_KEY"] = "tf-secret",
            ["ALICLOUD_SECURITY_TOKEN"] = "tf-token",
        };
        var resolver = new AlibabaCredentialsResolver(env.GetValueOrDefault);

        Assert.Equal(new AlibabaCredentials("official-id", "tf-secret", "tf-token"), resolver.Resolve());
        Assert.Equal(new AlibabaCredentials("explicit", "tf-secret", "tf-token"), resolver.Resolve(accessKeyId: "explicit"));
    }

    [Fact]
    public void Resolver_fails_without_a_secret_and_names_the_variables()
    {
        var resolver = new AlibabaCredentialsResolver(name => name == "ALICLOUD_ACCESS_KEY" ? "id" : null);
        var error = Assert.Throws<AlibabaCredentialsException>(() => resolver.Resolve());
        Assert.Contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlibabaProduct.Ecs, "cn-hangzhou", "https://ecs-cn-hangzhou.aliyuncs.com/")]
    [InlineData(AlibabaProduct.Ecs, "cn-beijing", "https://ecs.cn-beijing.aliyuncs.com/")]
    [InlineData(AlibabaProduct.Ecs, "cn-north-2-gov-1", "https://ecs.aliyuncs.com/")]
    [InlineData(AlibabaProduct.Vpc, "cn-hangzhou", "https://vpc.aliyuncs.com/")]
    [InlineData(AlibabaProduct.Vpc, "cn-wuhan", "https://vpc.aliyuncs.com/")]
    [InlineData(AlibabaProduct.Vpc, "eu-central-1", "https://vpc.eu-central-1.aliyuncs.com/")]
    public void Endpoints_follow_the_sdk_maps(AlibabaProduct product, string region, string expected) =>
        Assert.Equal(new Uri(expected), AlibabaEndpoints.Resolve(product, region));
}
