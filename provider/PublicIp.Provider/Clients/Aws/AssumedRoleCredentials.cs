using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// Credentials of one assumed role, renewed before they expire: the SDK's <see cref="RefreshingAWSCredentials"/>
/// calls <see cref="GenerateNewCredentialsAsync"/> whenever a request is signed inside the renewal window, so a
/// destroy that outlives one session keeps signing with a fresh one. Each hop of a chain is one of these, signed
/// by the hop before it.
/// </summary>
public sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    /// <summary>Renew this long before expiry, or after two thirds of a session's life when sessions are shorter.</summary>
    private static readonly TimeSpan RenewalWindow = TimeSpan.FromMinutes(5);

    private readonly IAmazonSecurityTokenService _sts;
    private readonly RoleToAssume _role;
    private readonly int _hop;
    private readonly int _hops;
    private readonly TimeProvider _clock;

    public AssumedRoleCredentials(IAmazonSecurityTokenService sts, RoleToAssume role, int hop, int hops, TimeProvider? clock = null)
    {
        _sts = sts;
        _role = role;
        _hop = hop;
        _hops = hops;
        _clock = clock ?? TimeProvider.System;
        PreemptExpiryTime = RenewalWindow;
    }

    /// <summary>How many sessions this hop has obtained; the first is taken on the first signed request.</summary>
    public int Sessions { get; private set; }

    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        AssumeRoleResponse response;
        try
        {
            response = await _sts.AssumeRoleAsync(Request(_role));
        }
        catch (Exception e) when (StsDiagnostics.Instance.IsCloudFailure(e))
        {
            // Thrown while a request is being signed: the resource sees a ResourceException, not an EC2 error.
            throw StsDiagnostics.Instance.Fail(e, StsDiagnostics.Assuming(_role.RoleArn, _hop, _hops));
        }
        var c = response.Credentials
            ?? throw new ResourceException(FailureKind.Unavailable, $"sts:AssumeRole of {_role.RoleArn} answered without credentials; run the operation again");
        var now = _clock.GetUtcNow().UtcDateTime;
        var expiration = c.Expiration?.ToUniversalTime() ?? now.AddSeconds(_role.DurationSeconds);
        var lifetime = expiration - now;
        // A session shorter than 15 minutes (STS never issues one, test emulations do) renews after two thirds of its life.
        var shortSession = lifetime <= RenewalWindow * 3;
        PreemptExpiryTime = shortSession ? TimeSpan.FromTicks(Math.Max(0, lifetime.Ticks / 3)) : RenewalWindow;
        // The margin for signing and clock skew, which must stay well inside a session (the SDK's own is sized for hour-long ones).
        ExpirationBuffer = shortSession ? TimeSpan.FromTicks(Math.Max(0, lifetime.Ticks / 10)) : TimeSpan.FromMinutes(1);
        Sessions++;
        return new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), expiration);
    }

    internal static AssumeRoleRequest Request(RoleToAssume role)
    {
        var request = new AssumeRoleRequest
        {
            RoleArn = role.RoleArn,
            RoleSessionName = role.SessionName,
            DurationSeconds = role.DurationSeconds,
        };
        if (role.ExternalId is not null)
        {
            request.ExternalId = role.ExternalId;
        }
        if (role.Policy is not null)
        {
            request.Policy = role.Policy;
        }
        if (role.PolicyArns.Length > 0)
        {
            request.PolicyArns = [.. role.PolicyArns.Select(arn => new PolicyDescriptorType { Arn = arn })];
        }
        if (role.Tags.Count > 0)
        {
            request.Tags = [.. role.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value })];
        }
        return request;
    }
}
