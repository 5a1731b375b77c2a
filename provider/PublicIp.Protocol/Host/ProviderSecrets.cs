using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Host;

/// <summary>
/// Where a provider reports credentials it obtains while it runs (an assumed role's session, a web-identity or
/// instance-role session, a profile file's keys, each renewal): from then on no message can show them.
/// </summary>
public interface ISecretSink
{
    void Add(IEnumerable<string?> secrets);
}

/// <summary>
/// The process-wide secrets: the provider's credentials (config and environment), every value the engine sent
/// to Configure as a secret, and every credential the provider obtained at run time. Every message that leaves
/// the process is redacted with them.
/// </summary>
public sealed class ProviderSecrets : ISecretSink
{
    private readonly Lock _gate = new();
    private volatile Redactor _redactor = Redactor.None;

    public Redactor Redactor => _redactor;

    /// <summary>Adds secrets; secrets are never forgotten, so a reconfigured provider still hides the old ones.</summary>
    public void Add(IEnumerable<string?> secrets)
    {
        var known = _redactor.Secrets;
        var added = secrets.Where(s => s is { Length: >= Redactor.MinLength } && !known.Contains(s)).ToList();
        if (added.Count == 0)
        {
            return;
        }
        // Renewals arrive from concurrent signers: each must extend the newest list, not one another's copy.
        lock (_gate)
        {
            _redactor = _redactor.With(added);
        }
    }

    public string Redact(string? text) => _redactor.Redact(text);
}
