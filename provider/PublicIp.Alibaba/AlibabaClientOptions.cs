using System.Security.Cryptography;

namespace PublicIp.Alibaba;

/// <summary>How requests are signed and laid out on the wire.</summary>
public enum AlibabaSignatureMode
{
    /// <summary>ACS3-HMAC-SHA256, parameters in the query, signed headers (the official SDKs' default).</summary>
    Acs3HmacSha256,

    /// <summary>Legacy RPC v1 (HMAC-SHA1), every parameter in the query (openapi-core's signatureAlgorithm "v2").</summary>
    RpcV1Query,

    /// <summary>Legacy RPC v1, common parameters in the query and API parameters as a form body (tea-rpc, as terraform sends).</summary>
    RpcV1Form,
}

/// <summary>One retry the client is about to make; lets callers log or tests observe the chosen delay.</summary>
public sealed record AlibabaRetryEvent(string Action, int AttemptNumber, TimeSpan Delay, Exception Cause);

public sealed record AlibabaClientOptions
{
    /// <summary>The region whose endpoints are called (calls still pass their own RegionId parameter).</summary>
    public required string RegionId { get; init; }

    public required AlibabaCredentials Credentials { get; init; }

    /// <summary>When set, each attempt is signed with what this gives (an assumed role's renewed session), not <see cref="Credentials"/>.</summary>
    public IAlibabaCredentialsSource? CredentialsSource { get; init; }

    public AlibabaSignatureMode SignatureMode { get; init; } = AlibabaSignatureMode.Acs3HmacSha256;

    /// <summary>Per-product endpoint override, a full URL such as http://127.0.0.1:1234 (tests, private endpoints).</summary>
    public IReadOnlyDictionary<AlibabaProduct, Uri> EndpointOverrides { get; init; } = new Dictionary<AlibabaProduct, Uri>();

    /// <summary>Retries after the first attempt; 0 disables retrying.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Timeout of one HTTP attempt; the caller's CancellationToken bounds the whole call.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string UserAgent { get; init; } = "publicip-pulumi-provider/1.0";

    public Action<AlibabaRetryEvent>? OnRetry { get; init; }

    public override string ToString() =>
        $"AlibabaClientOptions {{ RegionId = {RegionId}, Credentials = {Credentials}, SignatureMode = {SignatureMode}, MaxRetries = {MaxRetries} }}";
}

/// <summary>Source of signature nonces and client tokens; injected so tests can be deterministic.</summary>
public interface INonceSource
{
    string NextNonce();

    string NextClientToken();
}

public sealed class RandomNonceSource : INonceSource
{
    public string NextNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string NextClientToken() => Guid.NewGuid().ToString("N");
}
