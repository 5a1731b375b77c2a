using System.Text.RegularExpressions;

namespace PublicIp.AwsEmulation;

/// <summary>One EC2 Query API call as the proxy saw it: form body and query string merged.</summary>
public sealed partial record Ec2Request(string Action, IReadOnlyDictionary<string, string> Parameters, string Region)
{
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

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/(?<region>[^/]+)/")]
    private static partial Regex CredentialScope();
}
