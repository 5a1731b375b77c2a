using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace PublicIp.AwsEmulation;

/// <summary>
/// The expiry of temporary credentials, which moto issues but never enforces. With a <see cref="Lifetime"/> set,
/// every AssumeRole / AssumeRoleWithWebIdentity answer that passes the proxy has its Expiration shortened to that
/// lifetime, and a later call signed with those credentials after it is refused as AWS refuses it: EC2 with
/// RequestExpired, STS with ExpiredToken. So a test sees a session end in seconds instead of 15 minutes.
/// </summary>
public sealed class StsSessions
{
    private static readonly HashSet<string> IssuingActions = new(StringComparer.Ordinal) { "AssumeRole", "AssumeRoleWithWebIdentity" };

    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<IssuedSession> _sessions = new();
    private int _refused;

    /// <summary>How long the sessions moto issues live from now on; null leaves moto's answers alone.</summary>
    public TimeSpan? Lifetime { get; set; }

    /// <summary>Calls refused because their credentials had expired.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Access keys issued while a lifetime was set.</summary>
    public IReadOnlyCollection<string> Issued => [.. _expiries.Keys];

    /// <summary>Every session an AssumeRole / AssumeRoleWithWebIdentity answer through the proxy carried, lifetime or not.</summary>
    public IReadOnlyList<IssuedSession> IssuedSessions => [.. _sessions];

    internal Ec2Error? Refuse(Ec2Request request)
    {
        if (request.AccessKeyId is not { } key || !_expiries.TryGetValue(key, out var expiry) || DateTimeOffset.UtcNow < expiry)
        {
            return null;
        }
        Interlocked.Increment(ref _refused);
        return request.Service == "sts" ? Ec2Error.StsExpiredToken() : Ec2Error.RequestExpired();
    }

    internal byte[] AfterSuccess(Ec2Request request, byte[] body)
    {
        if (!IssuingActions.Contains(request.Action))
        {
            return body;
        }
        var document = XDocument.Parse(Encoding.UTF8.GetString(body));
        var credentials = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Credentials");
        string? Field(string name) => credentials?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        var key = Field("AccessKeyId");
        if (key is not null && Field("SecretAccessKey") is { } secret && Field("SessionToken") is { } token)
        {
            _sessions.Enqueue(new IssuedSession(request.Action, key, secret, token));
        }
        var expiration = credentials?.Elements().FirstOrDefault(e => e.Name.LocalName == "Expiration");
        if (Lifetime is not { } lifetime || key is null || expiration is null)
        {
            return body;
        }
        var expiry = DateTimeOffset.UtcNow + lifetime;
        _expiries[key] = expiry;
        expiration.Value = expiry.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(document.Declaration + document.ToString(SaveOptions.DisableFormatting));
    }
}

/// <summary>Temporary credentials STS issued through the proxy: what a canary test looks for in the provider's output.</summary>
public sealed record IssuedSession(string Action, string AccessKeyId, string SecretAccessKey, string SessionToken)
{
    public override string ToString() => $"IssuedSession {{ Action = {Action}, AccessKeyId = {AccessKeyId} }}";
}
