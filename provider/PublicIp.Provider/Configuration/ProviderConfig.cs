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
    int MaxRetries,
    double RequestRateScale = 1)
{
    /// <summary>Roles to assume in order, each hop signed by the one before (the first by the base credentials).</summary>
    public ImmutableArray<RoleToAssume> AssumeRoles { get; init; } = [];

    /// <summary>STS endpoint override (awsStsEndpoint, AWS_ENDPOINT_URL_STS); null means the region's own.</summary>
    public string? StsEndpoint { get; init; }

    // Records print their members; credentials must never reach a log line that way.
    public override string ToString() => $"AwsConfig {{ Region = {Region}, Profile = {Profile}, Endpoint = {Endpoint}, MaxRetries = {MaxRetries}, AssumeRoles = {AssumeRoles.Length}, RequestRateScale = {RequestRateScale} }}";
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
    int MaxRetries,
    double RequestRateScale = 1)
{
    /// <summary>The RAM role to assume through STS AssumeRole with the base credentials (alicloudAssumeRole).</summary>
    public RoleToAssume? AssumeRole { get; init; }

    /// <summary>STS endpoint override (alicloudStsEndpoint, ALIBABA_CLOUD_ENDPOINT_STS); null means sts.&lt;region&gt;.aliyuncs.com.</summary>
    public string? StsEndpoint { get; init; }

    /// <summary>Alibaba Cloud CLI profile to read when neither config nor environment has keys (alicloudProfile, ALIBABA_CLOUD_PROFILE).</summary>
    public string? Profile { get; init; }

    /// <summary>The CLI's profile file (alicloudConfigFile, ALIBABA_CLOUD_CONFIG_FILE); null means ~/.aliyun/config.json.</summary>
    public string? ConfigFile { get; init; }

    public override string ToString() => $"AlicloudConfig {{ Region = {Region}, EcsEndpoint = {EcsEndpoint}, VpcEndpoint = {VpcEndpoint}, SignatureVersion = {SignatureVersion}, MaxRetries = {MaxRetries}, RequestRateScale = {RequestRateScale} }}";
}

/// <summary>
/// Every configuration key, declared once: Read validates with these, and schema.json (config and provider inputs)
/// and the README's configuration table are generated from them.
/// </summary>
public static class ConfigKeys
{
    private static PropertySpec Key(string name, PropertyType type, string description, params string[] environment) =>
        new(name, type, description) { IsInput = true, Environment = environment };

    public static readonly PropertySpec AwsRegion = Key("awsRegion", PropertyType.String,
        "AWS region, e.g. us-east-1; needed by the first AWS resource call. Changing it replaces the provider.", "AWS_REGION", "AWS_DEFAULT_REGION") with { ReplaceOnChange = true };
    public static readonly PropertySpec AwsProfile = Key("awsProfile", PropertyType.String, "Named profile from the shared AWS config/credentials files.", "AWS_PROFILE");
    public static readonly PropertySpec AwsAccessKey = Key("awsAccessKey", PropertyType.String,
        "AWS access key id; set it together with awsSecretKey. Otherwise the SDK's default credential chain (environment, web identity, container and instance roles).") with { Secret = true };
    public static readonly PropertySpec AwsSecretKey = Key("awsSecretKey", PropertyType.String, "AWS secret access key; set it together with awsAccessKey.") with { Secret = true };
    public static readonly PropertySpec AwsSessionToken = Key("awsSessionToken", PropertyType.String, "AWS session token for temporary credentials.") with { Secret = true };
    public static readonly PropertySpec AwsEndpoint = Key("awsEndpoint", PropertyType.String,
        "EC2 endpoint URL override (private endpoints, emulators).", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL");
    public static readonly PropertySpec AwsMaxRetries = Key("awsMaxRetries", PropertyType.Integer,
        "How many times a call is retried after an EC2 server error (HTTP 500/502/504) or a transport failure (0-25, default 5). Throttling (RequestLimitExceeded, HTTP 503) is not counted: it is waited out for as long as the operation's timeout allows.") with { Default = 5, Min = 0, Max = 25 };
    public static readonly PropertySpec AwsRequestRateScale = Key("awsRequestRateScale", PropertyType.String,
        "Multiplies the EC2 request rates the provider plans with (EC2's documented token buckets per account and region: mutating actions 5/s, DescribeAddresses 20/s, CreateTags 10/s; 0.01-100, default 1). Below 1 leaves room for other tools using the same account; above 1 if AWS raised the account's limits. The provider also adapts to throttling by itself.") with { RawType = NumberType, Default = 1 };
    public static readonly PropertySpec AwsAssumeRole = Key("awsAssumeRole", PropertyType.String,
        "A role to assume (an object), or a chain of them (a list, each hop assumed with the credentials of the one before, the first with the base credentials: static keys, awsProfile or the SDK's default chain). EC2 is called with the last hop's credentials, renewed before they expire.") with { RawType = AwsAssumeRoleType };
    public static readonly PropertySpec AwsStsEndpoint = Key("awsStsEndpoint", PropertyType.String,
        "STS endpoint URL override for awsAssumeRole (private endpoints, emulators); otherwise the region's STS endpoint.", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL");
    public static readonly PropertySpec AlicloudRegion = Key("alicloudRegion", PropertyType.String,
        "Alibaba Cloud region, e.g. cn-hangzhou. Changing it replaces the provider.", "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION") with { ReplaceOnChange = true };
    public static readonly PropertySpec AlicloudAccessKey = Key("alicloudAccessKey", PropertyType.String,
        "Alibaba Cloud AccessKey ID.", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY") with { Secret = true };
    public static readonly PropertySpec AlicloudSecretKey = Key("alicloudSecretKey", PropertyType.String,
        "Alibaba Cloud AccessKey secret.", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY") with { Secret = true };
    public static readonly PropertySpec AlicloudSecurityToken = Key("alicloudSecurityToken", PropertyType.String,
        "STS security token.", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN") with { Secret = true };
    public static readonly PropertySpec AlicloudEcsEndpoint = Key("alicloudEcsEndpoint", PropertyType.String,
        "ECS endpoint URL override.", "ALIBABA_CLOUD_ENDPOINT_ECS", "ECS_ENDPOINT");
    public static readonly PropertySpec AlicloudVpcEndpoint = Key("alicloudVpcEndpoint", PropertyType.String,
        "VPC endpoint URL override.", "ALIBABA_CLOUD_ENDPOINT_VPC", "VPC_ENDPOINT");
    public static readonly PropertySpec AlicloudSignatureVersion = Key("alicloudSignatureVersion", PropertyType.String,
        "Request signing: `v3` (ACS3-HMAC-SHA256, default) or `v1` (HMAC-SHA1).") with { Default = "v3", Allowed = ["v3", "v1"] };
    public static readonly PropertySpec AlicloudMaxRetries = Key("alicloudMaxRetries", PropertyType.Integer,
        "How many times a call is retried after an Alibaba Cloud server error (HTTP 5xx, SystemBusy) or a transport failure (0-25, default 5). Throttling (Throttling, Throttling.User, Throttling.Api, Rejected.Throttling, ServiceUnavailable) is not counted: it is waited out, honouring x-acs-retry-after, for as long as the operation's timeout allows.") with { Default = 5, Min = 0, Max = 25 };
    public static readonly PropertySpec AlicloudRequestRateScale = Key("alicloudRequestRateScale", PropertyType.String,
        "Multiplies the Alibaba Cloud request rates the provider plans with per endpoint and region (20/s for Describe calls, 10/s for changes; 0.01-100, default 1). Below 1 leaves room for other tools using the same account; above 1 for raised quotas. The provider also adapts to throttling by itself.") with { RawType = NumberType, Default = 1 };
    public static readonly PropertySpec AlicloudAssumeRole = Key("alicloudAssumeRole", PropertyType.String,
        "A RAM role to assume with the base credentials (config keys, the ALIBABA_CLOUD_* environment, or a CLI profile); ECS and VPC calls are signed with its session and SecurityToken, renewed before they expire.") with { RawType = @"{""$ref"": ""#/types/publicip:config:AlicloudAssumeRole""}" };
    public static readonly PropertySpec AlicloudStsEndpoint = Key("alicloudStsEndpoint", PropertyType.String,
        "STS endpoint URL override for alicloudAssumeRole; otherwise sts.<region>.aliyuncs.com.", "ALIBABA_CLOUD_ENDPOINT_STS", "STS_ENDPOINT");
    public static readonly PropertySpec AlicloudProfile = Key("alicloudProfile", PropertyType.String,
        "Alibaba Cloud CLI profile to take credentials from when neither config nor environment has keys (modes AK, StsToken, RamRoleArn, ChainableRamRoleArn); otherwise the file's current profile.", "ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE");
    public static readonly PropertySpec AlicloudConfigFile = Key("alicloudConfigFile", PropertyType.String,
        "The Alibaba Cloud CLI's profile file; otherwise ~/.aliyun/config.json.", "ALIBABA_CLOUD_CONFIG_FILE");
    public static readonly PropertySpec RehearseDeletes = Key("rehearseDeletes", PropertyType.Boolean,
        "When true, Delete runs every disassociate and release step with DryRun (or a read-only preflight where the API has none), reports what it " +
        "would do, and fails so the resource stays in state: a safe `pulumi destroy` rehearsal for CI.") with { Default = false };

    public static readonly PropertySpec ReleaseGuardDnsNames = Key("releaseGuardDnsNames", PropertyType.StringList,
        "The default `releaseGuardDnsNames` for every resource that does not set its own: DNS names Delete resolves before releasing, refusing while any still points at the address.");
    public static readonly PropertySpec DnsResolver = Key("dnsResolver", PropertyType.String,
        "host:port of the DNS server the release guard asks (e.g. `10.0.0.2:53`; the port defaults to 53). Default: the system's resolver. No answer is cached.");
    public static readonly PropertySpec OwnershipMarks = Key("ownershipMarks", PropertyType.Boolean,
        "When true (the default), every address the provider allocates carries `publicip:*` tags naming the stack, the resource (URN and a hash of it), the time and the Create, set in the allocating call itself. " +
        "They let a retried allocation find the address it already made, the next Create find what an interrupted one left, and `sweep` tell leaked addresses from foreign ones. They never show in `tags`.") with { Default = true };
    public static readonly PropertySpec InterruptedCreates = Key("interruptedCreates", PropertyType.String,
        "What Create does with an address that an interrupted Create of the same resource left (marked with its URN, tracked by no resource the engine showed): " +
        "`fail` (default) names it and the `pulumi refresh --import-pending-creates` / `pulumi import` / release commands, `adopt` takes it over instead of allocating, `release` releases it first.") with
        { Default = "fail", Allowed = ["fail", "adopt", "release"] };

    public static readonly IReadOnlyList<PropertySpec> All =
    [
        AwsRegion, AwsProfile, AwsAccessKey, AwsSecretKey, AwsSessionToken, AwsEndpoint, AwsMaxRetries, AwsRequestRateScale, AwsAssumeRole, AwsStsEndpoint,
        AlicloudRegion, AlicloudAccessKey, AlicloudSecretKey, AlicloudSecurityToken, AlicloudEcsEndpoint, AlicloudVpcEndpoint,
        AlicloudSignatureVersion, AlicloudMaxRetries, AlicloudRequestRateScale, AlicloudAssumeRole, AlicloudStsEndpoint, AlicloudProfile, AlicloudConfigFile, RehearseDeletes, ReleaseGuardDnsNames, DnsResolver,
        OwnershipMarks, InterruptedCreates,
    ];

    /// <summary>A number (the declaration's types have no fractional one; schema and README take it from here).</summary>
    private const string NumberType = @"{""type"": ""number""}";

    /// <summary>One role or a chain of them (see <see cref="RoleConfig"/>): its schema type, as Pulumi's schema writes a union.</summary>
    private const string AwsAssumeRoleType = @"{""oneOf"": [{""$ref"": ""#/types/publicip:config:AwsAssumeRole""}, {""type"": ""array"", ""items"": {""$ref"": ""#/types/publicip:config:AwsAssumeRole""}}]}";

    /// <summary>The object types configuration keys refer to, by token.</summary>
    public static readonly IReadOnlyList<(string Token, string Json)> Types =
    [
        ("publicip:config:AwsAssumeRole", @"{""type"": ""object"", ""description"": ""An IAM role the provider assumes through STS AssumeRole before calling EC2."", ""properties"": {""roleArn"": {""type"": ""string"", ""description"": ""ARN of the IAM role to assume, e.g. arn:aws:iam::123456789012:role/deploy.""}, ""sessionName"": {""type"": ""string"", ""description"": ""Session name recorded in CloudTrail (2-64 characters of letters, digits and =,.@-_). Default `pulumi-publicip`.""}, ""externalId"": {""type"": ""string"", ""description"": ""External id the role's trust policy requires (sts:ExternalId), as its owner gave it. Never logged."", ""secret"": true}, ""durationSeconds"": {""type"": ""integer"", ""description"": ""Session length, 900 to 43200 seconds (at most the role's maximum, and 3600 for a hop assumed by another role). Default 3600. The provider renews a session 5 minutes before it ends, so an operation may outlive it.""}, ""policy"": {""type"": ""string"", ""description"": ""A JSON IAM policy that narrows the session's permissions further.""}, ""policyArns"": {""type"": ""array"", ""items"": {""type"": ""string""}, ""description"": ""Managed policies that narrow the session's permissions further.""}, ""tags"": {""type"": ""object"", ""additionalProperties"": {""type"": ""string""}, ""description"": ""Session tags.""}}, ""required"": [""roleArn""]}"),
        ("publicip:config:AlicloudAssumeRole", @"{""type"": ""object"", ""description"": ""A RAM role the provider assumes through Alibaba Cloud STS AssumeRole before calling ECS and VPC."", ""properties"": {""roleArn"": {""type"": ""string"", ""description"": ""ARN of the RAM role to assume, e.g. acs:ram::1234567890123456:role/deploy.""}, ""sessionName"": {""type"": ""string"", ""description"": ""Session name (2-64 characters of letters, digits and =,.@-_). Default `pulumi-publicip`.""}, ""externalId"": {""type"": ""string"", ""description"": ""External id the role's trust policy requires, as its owner gave it. Never logged."", ""secret"": true}, ""durationSeconds"": {""type"": ""integer"", ""description"": ""Session length, 900 to 43200 seconds (at most the role's maximum session duration). Default 3600. The provider renews a session 5 minutes before it ends.""}, ""policy"": {""type"": ""string"", ""description"": ""A JSON RAM policy that narrows the session's permissions further.""}}, ""required"": [""roleArn""]}"),
    ];

    public static string? String(this InputReader r, PropertySpec key, Func<string, string?> env) =>
        r.String(key.Name, allowed: key.Allowed) ?? key.Environment.Select(env).FirstOrDefault(v => v is not null) ?? key.Default as string;

    public static int Integer(this InputReader r, PropertySpec key) => r.Integer(key.Name, key.Min, key.Max) ?? (int)key.Default!;

    public static bool Bool(this InputReader r, PropertySpec key) => r.Bool(key.Name) ?? (bool)key.Default!;
}

/// <summary>The provider's configuration, as the program's stack config sets it.</summary>
public sealed record ProviderConfig(AwsConfig Aws, AlicloudConfig Alicloud, bool RehearseDeletes)
{
    /// <summary>Names Delete resolves before releasing, for resources that do not set releaseGuardDnsNames themselves.</summary>
    public IReadOnlyList<string> ReleaseGuardDnsNames { get; init; } = [];

    /// <summary>host:port of the DNS server the release guard asks; null: the system's resolver.</summary>
    public string? DnsResolver { get; init; }

    /// <summary>ownershipMarks: tag every allocated address with the stack, resource and time (default on).</summary>
    public bool OwnershipMarks { get; init; } = true;

    /// <summary>interruptedCreates: what Create does with an address an interrupted Create of the same resource left behind.</summary>
    public string InterruptedCreates { get; init; } = InterruptedCreatesFail;

    public const string InterruptedCreatesFail = "fail";
    public const string InterruptedCreatesAdopt = "adopt";
    public const string InterruptedCreatesRelease = "release";

    public static readonly IReadOnlySet<string> ReplaceOnChanges = ConfigKeys.All.Where(k => k.ReplaceOnChange).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Config keys that hold credentials: always secrets, whatever the program marked.</summary>
    public static readonly IReadOnlySet<string> SecretKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "awsAccessKey", "awsSecretKey", "awsSessionToken", "alicloudAccessKey", "alicloudSecretKey", "alicloudSecurityToken",
    };

    /// <summary>Every credential this configuration and the environment hold: what no message may show.</summary>
    public IEnumerable<string> Credentials(Func<string, string?> env) =>
        new[] { Aws.AccessKey, Aws.SecretKey, Aws.SessionToken, Alicloud.AccessKey, Alicloud.SecretKey, Alicloud.SecurityToken }
            .Concat(CredentialVariables.Select(env)).OfType<string>();

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
            Region: r.String(ConfigKeys.AwsRegion, env),
            Profile: r.String(ConfigKeys.AwsProfile, env),
            AccessKey: r.String(ConfigKeys.AwsAccessKey.Name),
            SecretKey: r.String(ConfigKeys.AwsSecretKey.Name),
            SessionToken: r.String(ConfigKeys.AwsSessionToken.Name),
            Endpoint: r.String(ConfigKeys.AwsEndpoint, env),
            MaxRetries: r.Integer(ConfigKeys.AwsMaxRetries),
            RequestRateScale: r.Number(ConfigKeys.AwsRequestRateScale.Name, 0.01, 100) ?? 1)
        {
            AssumeRoles = RoleConfig.Read(r, ConfigKeys.AwsAssumeRole.Name, RoleConfig.Aws),
            StsEndpoint = r.String(ConfigKeys.AwsStsEndpoint, env),
        };
        // The Alibaba credentials' environment fallbacks are the client factory's credential chain, not config.
        var alicloud = new AlicloudConfig(
            Region: r.String(ConfigKeys.AlicloudRegion, env),
            AccessKey: r.String(ConfigKeys.AlicloudAccessKey.Name),
            SecretKey: r.String(ConfigKeys.AlicloudSecretKey.Name),
            SecurityToken: r.String(ConfigKeys.AlicloudSecurityToken.Name),
            EcsEndpoint: r.String(ConfigKeys.AlicloudEcsEndpoint, env),
            VpcEndpoint: r.String(ConfigKeys.AlicloudVpcEndpoint, env),
            SignatureVersion: r.String(ConfigKeys.AlicloudSignatureVersion, env)!,
            MaxRetries: r.Integer(ConfigKeys.AlicloudMaxRetries),
            RequestRateScale: r.Number(ConfigKeys.AlicloudRequestRateScale.Name, 0.01, 100) ?? 1)
        {
            AssumeRole = RoleConfig.Read(r, ConfigKeys.AlicloudAssumeRole.Name, RoleConfig.Alicloud) is [var role] ? role : null,
            StsEndpoint = r.String(ConfigKeys.AlicloudStsEndpoint, env),
            Profile = r.String(ConfigKeys.AlicloudProfile, env),
            ConfigFile = r.String(ConfigKeys.AlicloudConfigFile, env),
        };
        var rehearse = r.Bool(ConfigKeys.RehearseDeletes);
        var guardNames = r.StringList(ConfigKeys.ReleaseGuardDnsNames.Name) ?? [];
        CheckGuardNames(r, ConfigKeys.ReleaseGuardDnsNames.Name, guardNames);
        var dnsResolver = r.String(ConfigKeys.DnsResolver.Name);
        if (dnsResolver is not null && ParseResolver(dnsResolver) is null)
        {
            r.Fail("dnsResolver", $"'dnsResolver' must be host:port (e.g. 10.0.0.2:53 or ns1.example.com:53), not \"{dnsResolver}\"");
        }
        var marks = r.Bool(ConfigKeys.OwnershipMarks);
        var interrupted = r.String(ConfigKeys.InterruptedCreates, _ => null)!;

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
        foreach (var (key, value) in new[] { ("awsEndpoint", aws.Endpoint), ("awsStsEndpoint", aws.StsEndpoint), ("alicloudEcsEndpoint", alicloud.EcsEndpoint), ("alicloudVpcEndpoint", alicloud.VpcEndpoint), ("alicloudStsEndpoint", alicloud.StsEndpoint) })
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
        return (new ProviderConfig(aws, alicloud, rehearse)
        {
            ReleaseGuardDnsNames = guardNames, DnsResolver = dnsResolver, OwnershipMarks = marks, InterruptedCreates = interrupted,
        }, r.Failures);
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
