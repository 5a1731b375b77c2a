using System.Net;
using PublicIp.Alibaba;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>
/// The two Alibaba APIs for one region, with the request budget every operation of the process shares there and
/// the coalescing reader of EIPs.
/// </summary>
public sealed record AlibabaClients(string RegionId, IEcsApi Ecs, IVpcEipApi Vpc, TimeProvider Time, RateBudget Budget, AlibabaLimits Limits)
{
    public EipBatcher Eips { get; } = new(Vpc, RegionId, Budget, Limits);

    /// <summary>The retry primitive for one operation (its deadline, its log, this region's budget).</summary>
    public Retry Retry(ResourceCall call) => new(Budget, Limits, call, Time);
}

/// <summary>Builds the Alibaba clients from config; the seam tests replace to inject a fake API or clock.</summary>
public interface IAlibabaClientFactory
{
    AlibabaClients Create(AlicloudConfig config, string regionId);
}

/// <summary>
/// The Alibaba clients; the credentials the chain finds (a profile file's keys too) and every STS session of
/// alicloudAssumeRole are reported to <paramref name="secrets"/> before they sign anything.
/// </summary>
public sealed class AlibabaClientFactory(Func<string, string?> environment, TimeProvider? time = null, ISecretSink? secrets = null)
    : IAlibabaClientFactory, IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // One connection pool for the provider process: every region's client shares it.
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    public AlibabaClients Create(AlicloudConfig config, string regionId)
    {
        var (credentials, role) = ResolveCredentials(config);
        Report(credentials);
        var overrides = new Dictionary<AlibabaProduct, Uri>();
        if (config.EcsEndpoint is { } ecs)
        {
            overrides[AlibabaProduct.Ecs] = new Uri(ecs);
        }
        if (config.VpcEndpoint is { } vpc)
        {
            overrides[AlibabaProduct.Vpc] = new Uri(vpc);
        }
        if (config.StsEndpoint is { } sts)
        {
            overrides[AlibabaProduct.Sts] = new Uri(sts);
        }
        var options = new AlibabaClientOptions
        {
            RegionId = regionId,
            Credentials = credentials,
            // v1 as terraform sends it (tea-rpc: parameters in a form body); v3 as the current SDKs do.
            SignatureMode = config.SignatureVersion == "v1" ? AlibabaSignatureMode.RpcV1Form : AlibabaSignatureMode.Acs3HmacSha256,
            EndpointOverrides = overrides,
            // One attempt per call: Retries.Retry decides every retry (throttling until the deadline, server errors up
            // to alicloudMaxRetries), so the client's Polly pipeline never stacks with it.
            MaxRetries = 0,
        };
        if (role is not null)
        {
            // STS calls are signed with the base credentials; every ECS and VPC call with the role's renewed session.
            var roleCredentials = new AlibabaRoleCredentials(new AlibabaRpcClient(options, _http, _time), role, _time, Report);
            options = options with { CredentialsSource = roleCredentials };
        }
        var rpc = new AlibabaRpcClient(options, _http, _time);
        var budget = new RateBudget($"Alibaba Cloud {regionId}", AlibabaLimits.For, config.RequestRateScale, _time);
        return new AlibabaClients(regionId, new EcsApi(rpc), new VpcEipApi(rpc), _time, budget, new AlibabaLimits(config.MaxRetries));
    }

    private void Report(AlibabaCredentials credentials) =>
        secrets?.Add([credentials.AccessKeyId, credentials.AccessKeySecret, credentials.SecurityToken]);

    /// <summary>
    /// The official SDKs' chain: explicit config, then the ALIBABA_CLOUD_* / ALICLOUD_* environment, then the CLI's
    /// profile file. alicloudAssumeRole (else a RamRoleArn profile's role) is assumed with what the chain found.
    /// </summary>
    internal (AlibabaCredentials Credentials, AlibabaRole? Role) ResolveCredentials(AlicloudConfig config)
    {
        var fromConfig = config.AssumeRole is { } r ? new AlibabaRole(r.RoleArn, r.SessionName, r.ExternalId, r.DurationSeconds, r.Policy) : null;
        try
        {
            return (new AlibabaCredentialsResolver(environment).Resolve(config.AccessKey, config.SecretKey, config.SecurityToken), fromConfig);
        }
        catch (AlibabaCredentialsException)
        {
            // Nothing in config or the environment: the CLI's profile file is next, as in the official SDKs.
        }
        var file = config.ConfigFile ?? (environment("HOME") is { Length: > 0 } home ? Path.Combine(home, ".aliyun", "config.json") : null);
        AlibabaProfileCredentials? profile;
        try
        {
            profile = file is null ? null : AlibabaCliProfile.Load(file, config.Profile);
        }
        catch (AlibabaCredentialsException e)
        {
            throw new ResourceException(FailureKind.FailedPrecondition, e.Message);
        }
        catch (IOException)
        {
            throw new ResourceException(FailureKind.FailedPrecondition, "the Alibaba Cloud CLI profile file (publicip:alicloudConfigFile or ~/.aliyun/config.json) could not be read");
        }
        if (profile is null)
        {
            throw new ResourceException(FailureKind.FailedPrecondition,
                "no Alibaba Cloud credentials are configured: set `pulumi config set --secret publicip:alicloudAccessKey <id>` and " +
                "`pulumi config set --secret publicip:alicloudSecretKey <secret>`, or the environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and " +
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY), or an Alibaba Cloud CLI profile (`aliyun configure`, publicip:alicloudProfile)");
        }
        return (profile.Credentials, fromConfig ?? profile.Role);
    }

    public void Dispose() => _http.Dispose();
}
