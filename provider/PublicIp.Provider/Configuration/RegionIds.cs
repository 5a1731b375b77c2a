using System.Text.RegularExpressions;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Provider.Configuration;

/// <summary>
/// Region ids are checked against each cloud's grammar before any endpoint is built from them: a region is
/// part of a host name, and a value such as "x@attacker.example/" would otherwise send signed requests elsewhere.
/// </summary>
public static partial class RegionIds
{
    /// <summary>AWS: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1.</summary>
    public static bool IsAws(string? region) => region is { Length: <= 32 } && AwsPattern().IsMatch(region);

    public static bool IsAlibaba(string? region) => AlibabaEndpoints.IsRegionId(region);

    public static string AwsProblem(string key, string value) =>
        $"'{key}' must be an AWS region such as us-east-1, not {Text.Quote(value)}";

    public static string AlibabaProblem(string key, string value) =>
        $"'{key}' must be an Alibaba Cloud region id such as cn-hangzhou, not {Text.Quote(value)}";

    /// <summary>A resource's regionId input, failing Check when it is not a region id.</summary>
    public static string? AlibabaInput(InputReader r, string key = "regionId")
    {
        var region = r.String(key);
        if (region is not null && !IsAlibaba(region))
        {
            r.Fail(key, AlibabaProblem(key, region));
        }
        return region;
    }

    [GeneratedRegex(@"\A[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AwsPattern();
}
