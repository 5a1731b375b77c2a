using Amazon.EC2;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Release;
using PublicIp.Provider.Resources;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Clients;

/// <summary>
/// The configured cloud clients, built on first use so a stack that only uses one cloud never needs the
/// other's region or credentials.
/// </summary>
public sealed class CloudClients(IEc2ClientFactory ec2Factory, IAlibabaClientFactory? alibabaFactory = null)
{
    private readonly object _gate = new();
    private ProviderConfig? _config;
    private IAmazonEC2? _ec2;
    private IDnsLookup? _dns;
    private Ec2Api? _ec2Api;
    private readonly Dictionary<string, AlibabaClients> _alibaba = new(StringComparer.Ordinal);
    private readonly IAlibabaClientFactory _alibabaFactory = alibabaFactory ?? new AlibabaClientFactory(Environment.GetEnvironmentVariable);

    public void Configure(ProviderConfig config)
    {
        lock (_gate)
        {
            _config = config;
            _ec2 = null;
            _dns = null;
            _ec2Api = null;
            _alibaba.Clear();
        }
    }

    /// <summary>Which resources manage which address's association, so two that would fight over one are warned about.</summary>
    public AssociationClaims Associations { get; } = new();

    public ProviderConfig Config
    {
        get
        {
            lock (_gate)
            {
                return _config ?? throw new ResourceException(FailureKind.FailedPrecondition, "the publicip provider was used before it was configured");
            }
        }
    }

    public IAmazonEC2 Ec2
    {
        get
        {
            lock (_gate)
            {
                return _ec2 ??= ec2Factory.Create(Config.Aws);
            }
        }
    }

    /// <summary>The resolver the release guard asks (dnsResolver, else the system's), built on first use.</summary>
    public IDnsLookup Dns
    {
        get
        {
            lock (_gate)
            {
                return _dns ??= DnsLookupFactory.Create(Config.DnsResolver);
            }
        }
    }

    /// <summary>The EC2 client with the account and region's shared rate budget and the one retry primitive.</summary>
    public Ec2Api Ec2Api
    {
        get
        {
            lock (_gate)
            {
                if (_ec2Api is null)
                {
                    var aws = Config.Aws;
                    var ec2 = _ec2 ??= ec2Factory.Create(aws);
                    _ec2Api = new Ec2Api(ec2,
                        new RateBudget($"EC2 {aws.Region ?? "(no region)"}", Ec2Limits.For, aws.RequestRateScale),
                        new Ec2Limits(aws.MaxRetries));
                }
                return _ec2Api;
            }
        }
    }

    /// <summary>The retry primitive for one operation on EC2 (see <see cref="Retry"/>).</summary>
    public Retry Ec2Retry(ResourceCall call) => Ec2Api.Retry(call);

    /// <summary>The ids the engine showed this provider per URN (see <see cref="Ownership.OwnershipLedger"/>).</summary>
    public Ownership.OwnershipLedger Ledger { get; } = new();

    /// <summary>The provider's default Alibaba region, or null when neither config nor environment names one.</summary>
    public string? AlicloudRegion => Config.Alicloud.Region is { Length: > 0 } region ? region : null;

    /// <summary>Check's half of the region rule: a program without regionId needs the provider's alicloudRegion.</summary>
    public void CheckAlicloudRegion(InputReader reader, string? regionId)
    {
        if (regionId is null && !reader.IsUnknown("regionId") && AlicloudRegion is null)
        {
            reader.Fail("regionId", "'regionId' is required when the provider has no alicloudRegion (set `publicip:alicloudRegion` or ALIBABA_CLOUD_REGION_ID)");
        }
    }

    /// <summary>
    /// The Alibaba clients for a resource that exists: the region recorded in its state wins (where it was made, even
    /// if the program or the provider's default changed since), then its previous program's regionId, then the
    /// provider's alicloudRegion.
    /// </summary>
    public AlibabaClients Alibaba(string? recordedRegion, string? programRegion) =>
        Alibaba(recordedRegion is { Length: > 0 } ? recordedRegion : programRegion);

    /// <summary>The Alibaba clients for a resource's region (its own regionId, else the provider's alicloudRegion).</summary>
    public AlibabaClients Alibaba(string? regionId)
    {
        var region = regionId is { Length: > 0 } ? regionId : AlicloudRegion
            ?? throw new ResourceException(FailureKind.FailedPrecondition,
                "no Alibaba Cloud region is configured: set the resource's regionId, `pulumi config set publicip:alicloudRegion <region>`, " +
                "or the ALIBABA_CLOUD_REGION_ID environment variable");
        if (!RegionIds.IsAlibaba(region))
        {
            throw new ResourceException(FailureKind.InvalidInput, RegionIds.AlibabaProblem(regionId is { Length: > 0 } ? "regionId" : "alicloudRegion", region));
        }
        lock (_gate)
        {
            if (!_alibaba.TryGetValue(region, out var clients))
            {
                clients = _alibabaFactory.Create(Config.Alicloud, region);
                _alibaba[region] = clients;
            }
            return clients;
        }
    }
}
