using System.Collections.Immutable;
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
    /// <summary>Roles to assume in order, each hop signed by the one before (the first by the base credentials).</summary>
    public ImmutableArray<RoleToAssume> AssumeRoles { get; init; } = [];

    /// <summary>STS endpoint override (awsStsEndpoint, AWS_ENDPOINT_URL_STS); null means the region's own.</summary>
    public string? StsEndpoint { get; init; }

    // Records print their members; credentials must never reach a log line that way.
    public override string ToString() => $"AwsConfig {{ Region = {Region}, Profile = {Profile}, Endpoint = {Endpoint}, MaxRetries = {MaxRetries}, AssumeRoles = {AssumeRoles.Length} }}";
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
    /// <summary>Names Delete resolves before releasing, for resources that do not set releaseGuardDnsNames themselves.</summary>
    public IReadOnlyList<string> ReleaseGuardDnsNames { get; init; } = [];

    /// <summary>host:port of the DNS server the release guard asks; null: the system's resolver.</summary>
    public string? DnsResolver { get; init; }

    public static readonly IReadOnlySet<string> ReplaceOnChanges = new HashSet<string>(StringComparer.Ordinal) { "awsRegion", "alicloudRegion" };

    public static readonly string[] SignatureVersions = ["v3", "v1"];

    /// <summary>Config keys that hold credentials: always secrets, whatever the program marked.</summary>
    public static readonly IReadOnlySet<string> SecretKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "awsAccessKey", "awsSecretKey", "awsSessionToken", "alicloudAccessKey", "alicloudSecretKey", "alicloudSecurityToken",
    };

    /// <summary>Environment variables the SDKs and our Alibaba client take credentials from; never shown either.</summary>
    public static readonly string[] CredentialVariables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN",
    ];

    /// <summary>Reads and validates config; every problem is a failure naming its key.</summary>
    public static (ProviderConfig Config, IReadOnlyList<CheckFailure> Failures) Read(PropertyMap args, Func<string, string?> env)
    {
        // A credential's value is never shown, even in a failure about its type, whether or not the program marked it secret.
        foreach (var key in SecretKeys.Where(k => args.Get(k) is { IsNull: false, ContainsSecrets: false }))
        {
            args = args.Set(key, new SecretValue(args[key]));
        }
        var r = new InputReader(args);
        var aws = new AwsConfig(
            Region: r.String("awsRegion") ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION"),
            Profile: r.String("awsProfile") ?? env("AWS_PROFILE"),
            AccessKey: r.String("awsAccessKey"),
            SecretKey: r.String("awsSecretKey"),
            SessionToken: r.String("awsSessionToken"),
            Endpoint: r.String("awsEndpoint") ?? env("AWS_ENDPOINT_URL_EC2") ?? env("AWS_ENDPOINT_URL"),
            MaxRetries: r.Integer("awsMaxRetries", 0, 25) ?? 5)
        {
            AssumeRoles = RoleConfig.Read(r, "awsAssumeRole", RoleConfig.Aws),
            StsEndpoint = r.String("awsStsEndpoint") ?? env("AWS_ENDPOINT_URL_STS") ?? env("AWS_ENDPOINT_URL"),
        };
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
        var guardNames = r.StringList("releaseGuardDnsNames") ?? [];
        CheckGuardNames(r, "releaseGuardDnsNames", guardNames);
        var dnsResolver = r.String("dnsResolver");
        if (dnsResolver is not null && ParseResolver(dnsResolver) is null)
        {
            r.Fail("dnsResolver", $"'dnsResolver' must be host:port (e.g. 10.0.0.2:53 or ns1.example.com:53), not \"{dnsResolver}\"");
        }

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
        foreach (var (key, value) in new[] { ("awsEndpoint", aws.Endpoint), ("awsStsEndpoint", aws.StsEndpoint), ("alicloudEcsEndpoint", alicloud.EcsEndpoint), ("alicloudVpcEndpoint", alicloud.VpcEndpoint) })
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
        return (new ProviderConfig(aws, alicloud, rehearse) { ReleaseGuardDnsNames = guardNames, DnsResolver = dnsResolver }, r.Failures);
    }

    /// <summary>Every name in a releaseGuardDnsNames list must be a DNS host name; names a failure after the property.</summary>
    public static void CheckGuardNames(InputReader r, string property, IReadOnlyList<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (!PublicIp.Provider.Release.DnsNames.IsHostName(names[i]))
            {
                r.Fail($"{property}[{i}]", $"'{property}[{i}]' must be a DNS host name such as www.example.com, not \"{names[i]}\"");
            }
        }
    }

    /// <summary>host:port (port defaults to 53; IPv6 as [addr]:port); null when malformed.</summary>
    public static (string Host, int Port)? ParseResolver(string value)
    {
        if (System.Net.IPEndPoint.TryParse(value, out var endpoint) && (value.Contains(':') || endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            return (endpoint.Address.ToString(), endpoint.Port == 0 ? 53 : endpoint.Port);
        }
        var colon = value.LastIndexOf(':');
        var host = colon < 0 ? value : value[..colon];
        var port = 53;
        if (colon >= 0 && !(int.TryParse(value[(colon + 1)..], out port) && port is > 0 and < 65536))
        {
            return null;
        }
        return PublicIp.Provider.Release.DnsNames.IsHostName(host) || host == "localhost" ? (host, port) : null;
    }

    private static string FromEnvironment(InputReader r, string key, string variables) =>
        r.IsSet(key) ? "" : $" (taken from {variables}, since '{key}' is not set)";
}
