using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Host;

/// <summary>
/// The process-wide secrets: the provider's credentials (config and environment) and every value the engine sent
/// to Configure as a secret. Every message that leaves the process is redacted with them.
/// </summary>
public sealed class ProviderSecrets
{
    private volatile Redactor _redactor;

    public ProviderSecrets(IProvider provider) => _redactor = Redactor.For(provider.SecretValues(PropertyMap.Empty));

    public Redactor Redactor => _redactor;

    /// <summary>Adds secrets; secrets are never forgotten, so a reconfigured provider still hides the old ones.</summary>
    public void Add(IEnumerable<string> secrets) => _redactor = _redactor.With(secrets);

    public string Redact(string? text) => _redactor.Redact(text);
}
