using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Provider.Configuration;

/// <summary>AWS settings; anything unset falls back to the usual AWS environment variables and profiles.</summary>
public sealed record AwsConfig(
    string? Region,
    string? Profile,
    string? AccessKey,
    string? SecretKey,
    string? SessionToken,
    string? Endpoint,
    int MaxRetries)
{
    // Records print their members; credentials must never reach a log line that way.
    public override string ToString() => $"AwsConfig {{ Region = {Region}, Profile = {Profile}, Endpoint = {Endpoint}, MaxRetries = {MaxRetries} }}";
}

/// <summary>Alibaba Cloud settings; credentials fall back to ALIBABA_CLOUD_* and ALICLOUD_* variables.</summary>
public sealed record AlicloudConfig(
    string? Region,
    string? AccessKey,
    string? SecretKey,
    string? SecurityToken,
    string? EcsEndpoint,
    string? VpcEndpoint,
    string SignatureVersion,
    int MaxRetries)
{
    public override string ToString() => $"AlicloudConfig {{ Region = {Region}, EcsEndpoint = {EcsEndpoint}, VpcEndpoint = {VpcEndpoint}, SignatureVersion = {SignatureVersion}, MaxRetries = {MaxRetries} }}";
}

/// <summary>The provider's configuration, as the program's stack config sets it.</summary>
public sealed record ProviderConfig(AwsConfig Aws, AlicloudConfig Alicloud, bool RehearseDeletes)
{
    public static readonly IReadOnlySet<string> ReplaceOnChanges = new HashSet<string>(StringComparer.Ordinal) { "awsRegion", "alicloudRegion" };

    public static readonly string[] SignatureVersions = ["v3", "v1"];

    /// <summary>Reads and validates config; every problem is a failure naming its key.</summary>
    public static (ProviderConfig Config, IReadOnlyList<CheckFailure> Failures) Read(PropertyMap args, Func<string, string?> env)
    {
        var r = new InputReader(args);
        var aws = new AwsConfig(
            Region: r.String("awsRegion") ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION"),
            Profile: r.String("awsProfile") ?? env("AWS_PROFILE"),
            AccessKey: r.String("awsAccessKey"),
            SecretKey: r.String("awsSecretKey"),
            SessionToken: r.String("awsSessionToken"),
            Endpoint: r.String("awsEndpoint") ?? env("AWS_ENDPOINT_URL_EC2") ?? env("AWS_ENDPOINT_URL"),
            MaxRetries: r.Integer("awsMaxRetries", 0, 25) ?? 5);
        var alicloud = new AlicloudConfig(
            Region: r.String("alicloudRegion") ?? env("ALIBABA_CLOUD_REGION_ID") ?? env("ALICLOUD_REGION"),
            AccessKey: r.String("alicloudAccessKey"),
            SecretKey: r.String("alicloudSecretKey"),
            SecurityToken: r.String("alicloudSecurityToken"),
            EcsEndpoint: r.String("alicloudEcsEndpoint") ?? env("ALIBABA_CLOUD_ENDPOINT_ECS") ?? env("ECS_ENDPOINT"),
            VpcEndpoint: r.String("alicloudVpcEndpoint") ?? env("ALIBABA_CLOUD_ENDPOINT_VPC") ?? env("VPC_ENDPOINT"),
            SignatureVersion: r.String("alicloudSignatureVersion", allowed: SignatureVersions) ?? "v3",
            MaxRetries: r.Integer("alicloudMaxRetries", 0, 25) ?? 5);
        var rehearse = r.Bool("rehearseDeletes") ?? false;

        if ((aws.AccessKey is null) != (aws.SecretKey is null))
        {
            r.Fail(aws.AccessKey is null ? "awsAccessKey" : "awsSecretKey", "'awsAccessKey' and 'awsSecretKey' must be set together");
        }
        if (aws.Region is not null && !RegionIds.IsAws(aws.Region))
        {
            r.Fail("awsRegion", RegionIds.AwsProblem("awsRegion", aws.Region) + FromEnvironment(r, "awsRegion", "AWS_REGION or AWS_DEFAULT_REGION"));
        }
        if (alicloud.Region is not null && !RegionIds.IsAlibaba(alicloud.Region))
        {
            r.Fail("alicloudRegion", RegionIds.AlibabaProblem("alicloudRegion", alicloud.Region)
                + FromEnvironment(r, "alicloudRegion", "ALIBABA_CLOUD_REGION_ID or ALICLOUD_REGION"));
        }
        foreach (var (key, value) in new[] { ("awsEndpoint", aws.Endpoint), ("alicloudEcsEndpoint", alicloud.EcsEndpoint), ("alicloudVpcEndpoint", alicloud.VpcEndpoint) })
        {
            if (value is not null && !Uri.TryCreate(value, UriKind.Absolute, out _))
            {
                r.Fail(key, $"'{key}' must be an absolute URL such as https://ec2.example.internal, not {Text.Quote(value)}");
            }
        }
        foreach (var unread in r.UnreadProperties.Where(k => k != "version").ToList())
        {
            r.Fail(unread, $"'{unread}' is not a publicip configuration key");
        }
        return (new ProviderConfig(aws, alicloud, rehearse), r.Failures);
    }

    private static string FromEnvironment(InputReader r, string key, string variables) =>
        r.IsSet(key) ? "" : $" (taken from {variables}, since '{key}' is not set)";
}
