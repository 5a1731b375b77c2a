using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Host;

/// <summary>What a provider plugs into the host: its identity, configuration and resource types.</summary>
public interface IProvider
{
    string Name { get; }
    string Version { get; }

    /// <summary>The package schema JSON, served verbatim by GetSchema.</summary>
    string Schema { get; }

    IReadOnlyDictionary<string, IResourceType> Resources { get; }

    /// <summary>Invokes (data sources), by token.</summary>
    IReadOnlyDictionary<string, IFunctionType> Functions { get; }

    /// <summary>Config properties whose change means every resource of the old provider must be replaced.</summary>
    IReadOnlySet<string> ConfigReplaceOnChanges { get; }

    CheckResult CheckConfig(PropertyMap olds, PropertyMap news);

    /// <summary>Applies validated configuration; throws <see cref="ResourceException"/> on bad or missing config.</summary>
    Task ConfigureAsync(PropertyMap args, IResourceLog log, CancellationToken cancellationToken);

    /// <summary>
    /// Credentials the provider will use with this configuration (config values and the environment's), so the
    /// host can remove them from every message, log line and stderr write. Called at start-up with no config.
    /// </summary>
    IEnumerable<string> SecretValues(PropertyMap config) => [];

    /// <summary>How long an operation may take when the program set no customTimeouts.</summary>
    TimeSpan DefaultTimeout(string operation);
}
