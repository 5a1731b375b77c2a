using System.Net;
using Grpc.Core;
using PublicIp.Alibaba;
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

public sealed class AlibabaClientFactory(Func<string, string?> environment, TimeProvider? time = null) : IAlibabaClientFactory, IDisposable
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
        AlibabaCredentials credentials;
        try
        {
            credentials = new AlibabaCredentialsResolver(environment).Resolve(config.AccessKey, config.SecretKey, config.SecurityToken);
        }
        catch (AlibabaCredentialsException)
        {
            // The resolver's message names its own parameters; say it in the words of this provider's config.
            throw new ResourceException(StatusCode.FailedPrecondition,
                "no Alibaba Cloud credentials are configured: set `pulumi config set --secret publicip:alicloudAccessKey <id>` and " +
                "`pulumi config set --secret publicip:alicloudSecretKey <secret>`, or the environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and " +
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY)");
        }
        var overrides = new Dictionary<AlibabaProduct, Uri>();
        if (config.EcsEndpoint is { } ecs)
        {
            overrides[AlibabaProduct.Ecs] = new Uri(ecs);
        }
        if (config.VpcEndpoint is { } vpc)
        {
            overrides[AlibabaProduct.Vpc] = new Uri(vpc);
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
        var rpc = new AlibabaRpcClient(options, _http, _time);
        var budget = new RateBudget($"Alibaba Cloud {regionId}", AlibabaLimits.For, config.RequestRateScale, _time);
        return new AlibabaClients(regionId, new EcsApi(rpc), new VpcEipApi(rpc), _time, budget, new AlibabaLimits(config.MaxRetries));
    }

    public void Dispose() => _http.Dispose();
}
