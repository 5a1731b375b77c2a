using System.Reflection;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Functions.Alicloud;
using PublicIp.Provider.Functions.Aws;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Resources.Alicloud;
using PublicIp.Provider.Resources.Aws;

namespace PublicIp.Provider;

/// <summary>The publicip package: configuration and the resource types, one file each under Resources/.</summary>
public sealed class PublicIpProvider : IProvider
{
    private readonly Func<string, string?> _env;
    private readonly CloudClients _clients;
    private readonly IReadOnlyList<IResourceType> _resourceList;
    private readonly IReadOnlyList<IFunctionType> _functionList;

    /// <param name="secrets">Where the cloud clients report the credentials they obtain while running (role sessions, profile keys).</param>
    public PublicIpProvider(Func<string, string?> env, IEc2ClientFactory? ec2Factory = null, IAlibabaClientFactory? alibabaFactory = null, ISecretSink? secrets = null)
    {
        _env = env;
        _clients = new CloudClients(ec2Factory ?? new Ec2ClientFactory(secrets), alibabaFactory ?? new AlibabaClientFactory(env, secrets: secrets));
        Schema = LoadSchema();
        IResourceType[] resources =
        [
            new ElasticIp(_clients),
            new ElasticIpAssociation(_clients),
            new InstancePublicIp(_clients),
            new EipAddress(_clients),
            new EipAssociation(_clients),
        ];
        _resourceList = resources;
        Resources = resources.Select(r => (IResourceType)new WitnessedResource(r, _clients.Ledger)).ToDictionary(r => r.Token, StringComparer.Ordinal);
        IFunctionType[] functions =
        [
            new GetElasticIp(_clients),
            new GetElasticIps(_clients),
            new GetEipAddresses(_clients),
        ];
        _functionList = functions;
        Functions = functions.ToDictionary(f => f.Token, StringComparer.Ordinal);
    }

    public string Name => "publicip";

    public string Version { get; } =
        typeof(PublicIpProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The committed schema.json, embedded at build time; a test checks it equals <see cref="GenerateSchema"/>.</summary>
    public string Schema { get; }

    /// <summary>schema.json as the declarations say it should be (`make schema` writes it).</summary>
    public string GenerateSchema() => SchemaWriter.Write(Package);

    /// <summary>Invokes (lookups), declared like resources: their arguments are the declaration's inputs, their result its outputs.</summary>
    public IReadOnlyDictionary<string, IFunctionType> Functions { get; }

    public PackageSpec Package => new(Name, "Public IP", Version,
        "Releasable public IP addresses on AWS and Alibaba Cloud, with a destroy that disassociates, releases and explains every failure.")
    {
        Keywords = ["pulumi", "aws", "alicloud", "eip", "elastic-ip", "category/network", "kind/native"],
        Homepage = "https://example.invalid/publicip",
        License = "Apache-2.0",
        Publisher = "publicip",
        Repository = "https://example.invalid/publicip",
        ModuleFormat = "(.*)",
        Languages = [("nodejs", "packageName", "@publicip/publicip"), ("python", "packageName", "pulumi_publicip"), ("csharp", "rootNamespace", "PublicIp")],
        ProviderDescription = "The provider type for the publicip package.",
        Config = ConfigKeys.All,
        Types = [.. ConfigKeys.Types, AddressSearch.FilterType, GetEipAddresses.AddressType],
        Resources = [.. _resourceList.Select(r => r.Declaration)],
        Functions = [.. _functionList.Select(f => f.Declaration)],
    };

    public IReadOnlyDictionary<string, IResourceType> Resources { get; }

    public IReadOnlySet<string> ConfigReplaceOnChanges => ProviderConfig.ReplaceOnChanges;

    public CheckResult CheckConfig(PropertyMap olds, PropertyMap news)
    {
        var (_, failures) = ProviderConfig.Read(news, _env);
        // A credential set with plain `pulumi config set` is still a credential: the engine stores it encrypted from now on.
        foreach (var key in ProviderConfig.SecretKeys.Where(k => news.Get(k) is { IsNull: false, ContainsSecrets: false }))
        {
            news = news.Set(key, new SecretValue(news[key]));
        }
        return new CheckResult(news, failures);
    }

    public IEnumerable<string> SecretValues(PropertyMap config)
    {
        var (settings, _) = ProviderConfig.Read(config, _env);
        return settings.Credentials(_env);
    }

    public Task ConfigureAsync(PropertyMap args, IResourceLog log, CancellationToken cancellationToken)
    {
        var (config, failures) = ProviderConfig.Read(args, _env);
        if (failures.Count > 0)
        {
            throw new ResourceException(FailureKind.InvalidInput,
                "invalid publicip configuration: " + string.Join("; ", failures.Select(f => f.Reason)));
        }
        _clients.Configure(config);
        return Task.CompletedTask;
    }

    public TimeSpan DefaultTimeout(string operation) => operation switch
    {
        // Deletes wait for clouds to let go of addresses (NAT gateways, EIP state machines): give them room.
        "Delete" => TimeSpan.FromMinutes(10),
        "Create" or "Update" => TimeSpan.FromMinutes(10),
        "Read" => TimeSpan.FromMinutes(5),
        _ => TimeSpan.FromMinutes(2),
    };

    private static string LoadSchema()
    {
        using var stream = typeof(PublicIpProvider).Assembly.GetManifestResourceStream("schema.json")
            ?? throw new InvalidOperationException("schema.json is not embedded in the provider");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
