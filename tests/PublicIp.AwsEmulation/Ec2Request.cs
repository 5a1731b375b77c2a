using System.Text.RegularExpressions;

namespace PublicIp.AwsEmulation;

/// <summary>One EC2 Query API call as the proxy saw it: form body and query string merged.</summary>
public sealed partial record Ec2Request(string Action, IReadOnlyDictionary<string, string> Parameters, string Region)
{
    /// <summary>The access key id that signed the call (SigV4 Credential=KEY/...), or null when unsigned.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>The session token that came with the signature (X-Amz-Security-Token), or null.</summary>
    public string? SecurityToken { get; init; }

    /// <summary>The service the signature is scoped to ("ec2", "sts"), or null when unsigned.</summary>
    public string? Service { get; init; }

    public bool DryRun => string.Equals(Get("DryRun"), "true", StringComparison.OrdinalIgnoreCase);

    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    public bool Has(string name) => Parameters.ContainsKey(name);

    /// <summary>
    /// True when <paramref name="name"/> or any of its list forms (<c>AllocationId.1</c>, ...) carries
    /// <paramref name="value"/>: ReleaseAddress takes a scalar, DescribeAddresses a list.
    /// </summary>
    public bool Mentions(string name, string value) =>
        Parameters.Any(p => p.Value == value && (p.Key == name || (p.Key.StartsWith(name + ".", StringComparison.Ordinal) && p.Key.AsSpan(name.Length + 1).ToString().All(char.IsAsciiDigit))));

    /// <summary>The SigV4 credential scope names the region: Credential=KEY/DATE/REGION/ec2/aws4_request.</summary>
    internal static string RegionFromAuthorization(string? authorization, string fallback)
    {
        if (authorization is null)
        {
            return fallback;
        }
        var match = CredentialScope().Match(authorization);
        return match.Success ? match.Groups["region"].Value : fallback;
    }

    /// <summary>The access key and service of a SigV4 Authorization header.</summary>
    internal static (string? AccessKeyId, string? Service) SignerFromAuthorization(string? authorization)
    {
        var match = authorization is null ? Match.Empty : SignerScope().Match(authorization);
        return match.Success ? (match.Groups["key"].Value, match.Groups["service"].Value) : (null, null);
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/(?<region>[^/]+)/")]
    private static partial Regex CredentialScope();

    [GeneratedRegex(@"Credential=(?<key>[^/]+)/\d{8}/[^/]+/(?<service>[^/]+)/")]
    private static partial Regex SignerScope();
}
