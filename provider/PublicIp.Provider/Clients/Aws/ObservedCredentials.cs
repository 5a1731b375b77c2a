using Amazon.Runtime;
using PublicIp.Protocol.Host;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// Credentials that report every key, secret and session token they hand to a signer, the first time they do: the
/// sessions an assumed role, web identity, SSO or an instance role obtains (and each renewal of them) are known to
/// no one before the SDK fetches them, so this is the one place they can join the list every message is scrubbed of.
/// </summary>
internal sealed class ObservedCredentials(AWSCredentials inner, ISecretSink sink) : AWSCredentials
{
    private volatile ImmutableCredentials? _reported;

    public override DateTime? Expiration { get => inner.Expiration; set => inner.Expiration = value; }

    public override ImmutableCredentials GetCredentials() => Report(inner.GetCredentials());

    public override async Task<ImmutableCredentials> GetCredentialsAsync() => Report(await inner.GetCredentialsAsync());

    private ImmutableCredentials Report(ImmutableCredentials credentials)
    {
        var last = _reported;
        if (last is null || last.AccessKey != credentials.AccessKey || last.SecretKey != credentials.SecretKey || last.Token != credentials.Token)
        {
            // Before the signer uses them: a request, and so any echo of it, never carries a session we do not hide.
            sink.Add([credentials.AccessKey, credentials.SecretKey, credentials.Token]);
            _reported = credentials;
        }
        return credentials;
    }
}
