using System.Globalization;
using System.Text.Json;

namespace PublicIp.Alibaba;

/// <summary>Where a client takes the credentials it signs each attempt with; a role's change over time.</summary>
public interface IAlibabaCredentialsSource
{
    ValueTask<AlibabaCredentials> GetAsync(CancellationToken cancellationToken);
}

/// <summary>A RAM role to assume with STS AssumeRole (2015-04-01). ToString leaves the external id out.</summary>
public sealed record AlibabaRole(string RoleArn, string SessionName, string? ExternalId, int DurationSeconds, string? Policy)
{
    public override string ToString() => $"AlibabaRole {{ RoleArn = {RoleArn}, SessionName = {SessionName}, DurationSeconds = {DurationSeconds} }}";
}

/// <summary>
/// The credentials of an assumed RAM role, taken from STS AssumeRole through <paramref name="sts"/> (a client signed
/// with the base credentials) and renewed before they expire: 5 minutes before for sessions of 15 minutes or more,
/// after two thirds of the life of shorter ones. Concurrent signers share one renewal. Every session is handed to
/// <paramref name="issued"/> before anything is signed with it (the provider scrubs its messages of them).
/// </summary>
public sealed class AlibabaRoleCredentials(IAlibabaRpcClient sts, AlibabaRole role, TimeProvider? time = null, Action<AlibabaCredentials>? issued = null)
    : IAlibabaCredentialsSource, IDisposable
{
    private static readonly TimeSpan RenewalWindow = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AlibabaCredentials? _current;
    private DateTimeOffset _renewAt;

    public AlibabaRole Role => role;

    public async ValueTask<AlibabaCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } fresh && _time.GetUtcNow() < _renewAt)
        {
            return fresh;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } current && _time.GetUtcNow() < _renewAt)
            {
                return current;
            }
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["RoleArn"] = role.RoleArn,
                ["RoleSessionName"] = role.SessionName,
                ["DurationSeconds"] = role.DurationSeconds.ToString(CultureInfo.InvariantCulture),
            };
            if (role.ExternalId is { } externalId)
            {
                parameters["ExternalId"] = externalId;
            }
            if (role.Policy is { } policy)
            {
                parameters["Policy"] = policy;
            }
            var answer = await sts.CallAsync(new AlibabaRequest(AlibabaProduct.Sts, "AssumeRole", parameters), cancellationToken);
            var (credentials, expiration) = Parse(answer);
            issued?.Invoke(credentials);
            var now = _time.GetUtcNow();
            var lifetime = expiration - now;
            _renewAt = expiration - (lifetime >= RenewalWindow * 3 ? RenewalWindow : lifetime / 3);
            Volatile.Write(ref _current, credentials);
            return credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static (AlibabaCredentials, DateTimeOffset) Parse(JsonElement answer)
    {
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("Credentials", out var c)
            && JsonRead.String(c, "AccessKeyId") is { } id && JsonRead.String(c, "AccessKeySecret") is { } secret
            && JsonRead.String(c, "SecurityToken") is { } token
            && DateTimeOffset.TryParse(JsonRead.String(c, "Expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiration))
        {
            return (new AlibabaCredentials(id, secret, token), expiration);
        }
        throw new AlibabaTransportException("AssumeRole", "STS answered without credentials", isTimeout: false, null);
    }

    public void Dispose() => _gate.Dispose();
}
