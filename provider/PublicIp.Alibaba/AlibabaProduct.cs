using System.Collections.Frozen;

namespace PublicIp.Alibaba;

/// <summary>The two Alibaba Cloud products this library calls.</summary>
public enum AlibabaProduct
{
    Ecs,
    Vpc,
    /// <summary>Security Token Service, for AssumeRole.</summary>
    Sts,
}

/// <summary>API versions and regional endpoints, mapped as the official SDKs (ecs20140526 7.11.6, vpc20160428 7.3.2) map them.</summary>
public static partial class AlibabaEndpoints
{
    public static string ApiVersion(AlibabaProduct product) => product switch
    {
        AlibabaProduct.Ecs => "2014-05-26",
        AlibabaProduct.Vpc => "2016-04-28",
        AlibabaProduct.Sts => "2015-04-01",
        _ => throw new ArgumentOutOfRangeException(nameof(product)),
    };

    // Copied from the SDKs' _endpointMap; every other region follows "<product>.<region>.aliyuncs.com".
    private static readonly FrozenDictionary<string, string> EcsMap = new Dictionary<string, string>
    {
        ["cn-hangzhou"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-shanghai-finance-1"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-shenzhen-finance-1"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-north-2-gov-1"] = "ecs.aliyuncs.com",
        ["ap-northeast-2-pop"] = "ecs.aliyuncs.com", ["cn-beijing-finance-pop"] = "ecs.aliyuncs.com",
        ["cn-beijing-gov-1"] = "ecs.aliyuncs.com", ["cn-beijing-nu16-b01"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-edge-1"] = "ecs.cn-qingdao-nebula.aliyuncs.com", ["cn-fujian"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-haidian-cm12-c01"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-hangzhou-bj-b01"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-hangzhou-finance"] = "ecs.aliyuncs.com", ["cn-hangzhou-internal-prod-1"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-hangzhou-internal-test-1"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-hangzhou-internal-test-2"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-hangzhou-internal-test-3"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-hangzhou-test-306"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-hongkong-finance-pop"] = "ecs.aliyuncs.com", ["cn-huhehaote-nebula-1"] = "ecs.cn-qingdao-nebula.aliyuncs.com",
        ["cn-shanghai-et15-b01"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-shanghai-et2-b01"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-shanghai-inner"] = "ecs.aliyuncs.com", ["cn-shanghai-internal-test-1"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-shenzhen-inner"] = "ecs.aliyuncs.com", ["cn-shenzhen-st4-d01"] = "ecs-cn-hangzhou.aliyuncs.com",
        ["cn-shenzhen-su18-b01"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-wuhan"] = "ecs.aliyuncs.com",
        ["cn-yushanfang"] = "ecs.aliyuncs.com", ["cn-zhangbei"] = "ecs.aliyuncs.com",
        ["cn-zhangbei-na61-b01"] = "ecs-cn-hangzhou.aliyuncs.com", ["cn-zhangjiakou-na62-a01"] = "ecs.cn-zhangjiakou.aliyuncs.com",
        ["cn-zhengzhou-nebula-1"] = "ecs.cn-qingdao-nebula.aliyuncs.com", ["eu-west-1-oxs"] = "ecs.cn-shenzhen-cloudstone.aliyuncs.com",
        ["rus-west-1-pop"] = "ecs.aliyuncs.com",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> VpcMap = new Dictionary<string, string>
    {
        ["cn-hangzhou"] = "vpc.aliyuncs.com", ["cn-shanghai-finance-1"] = "vpc.aliyuncs.com",
        ["cn-shenzhen-finance-1"] = "vpc.aliyuncs.com", ["cn-north-2-gov-1"] = "vpc.aliyuncs.com",
        ["ap-northeast-2-pop"] = "vpc.aliyuncs.com", ["cn-beijing-finance-pop"] = "vpc.aliyuncs.com",
        ["cn-beijing-gov-1"] = "vpc.aliyuncs.com", ["cn-beijing-nu16-b01"] = "vpc.aliyuncs.com",
        ["cn-edge-1"] = "vpc-nebula.cn-qingdao-nebula.aliyuncs.com", ["cn-fujian"] = "vpc.aliyuncs.com",
        ["cn-haidian-cm12-c01"] = "vpc.aliyuncs.com", ["cn-hangzhou-bj-b01"] = "vpc.aliyuncs.com",
        ["cn-hangzhou-finance"] = "vpc.aliyuncs.com", ["cn-hangzhou-internal-prod-1"] = "vpc.aliyuncs.com",
        ["cn-hangzhou-internal-test-1"] = "vpc-pre.cn-hangzhou.aliyuncs.com", ["cn-hangzhou-internal-test-2"] = "vpc-inner-pre.cn-hangzhou.aliyuncs.com",
        ["cn-hangzhou-internal-test-3"] = "vpc-pre.cn-hangzhou.aliyuncs.com", ["cn-hangzhou-test-306"] = "vpc-pre.cn-hangzhou.aliyuncs.com",
        ["cn-hongkong-finance-pop"] = "vpc.aliyuncs.com", ["cn-huhehaote-nebula-1"] = "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
        ["cn-qingdao-nebula"] = "vpc-nebula.cn-qingdao-nebula.aliyuncs.com", ["cn-shanghai-et15-b01"] = "vpc-pre.cn-hangzhou.aliyuncs.com",
        ["cn-shanghai-et2-b01"] = "vpc.aliyuncs.com", ["cn-shanghai-inner"] = "vpc.aliyuncs.com",
        ["cn-shanghai-internal-test-1"] = "vpc-pre.cn-hangzhou.aliyuncs.com", ["cn-shenzhen-inner"] = "vpc.aliyuncs.com",
        ["cn-shenzhen-st4-d01"] = "vpc.aliyuncs.com", ["cn-shenzhen-su18-b01"] = "vpc.aliyuncs.com",
        ["cn-wuhan"] = "vpc.aliyuncs.com", ["cn-yushanfang"] = "vpc.aliyuncs.com", ["cn-zhangbei"] = "vpc.aliyuncs.com",
        ["cn-zhangbei-na61-b01"] = "vpc.aliyuncs.com", ["cn-zhangjiakou-na62-a01"] = "vpc.cn-zhangjiakou.aliyuncs.com",
        ["cn-zhengzhou-nebula-1"] = "vpc-nebula.cn-qingdao-nebula.aliyuncs.com", ["eu-west-1-oxs"] = "vpc-nebula.cn-shenzhen-cloudstone.aliyuncs.com",
        ["rus-west-1-pop"] = "vpc.aliyuncs.com",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The region-id grammar: lower-case letters and digits in dash-separated parts, starting with a letter
    /// (cn-hangzhou, ap-southeast-1, cn-beijing-nu16-b01). Anything else could change the endpoint's host.
    /// </summary>
    public static bool IsRegionId(string? regionId) =>
        regionId is { Length: >= 4 and <= 64 } && RegionIdPattern().IsMatch(regionId);

    [System.Text.RegularExpressions.GeneratedRegex(@"\A[a-z][a-z0-9]*(-[a-z0-9]+)+\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex RegionIdPattern();

    /// <summary>The public HTTPS endpoint of a product in a region; the host is always an aliyuncs.com name.</summary>
    /// <exception cref="ArgumentException">The region id is not a region id.</exception>
    public static Uri Resolve(AlibabaProduct product, string regionId)
    {
        if (!IsRegionId(regionId))
        {
            throw new ArgumentException("not an Alibaba Cloud region id", nameof(regionId));
        }
        var (code, map) = product switch
        {
            AlibabaProduct.Ecs => ("ecs", EcsMap),
            AlibabaProduct.Vpc => ("vpc", VpcMap),
            // STS has regional endpoints sts.<region>.aliyuncs.com in every region (the credentials SDKs' default).
            AlibabaProduct.Sts => ("sts", FrozenDictionary<string, string>.Empty),
            _ => throw new ArgumentOutOfRangeException(nameof(product)),
        };
        var host = map.TryGetValue(regionId, out var mapped) ? mapped : $"{code}.{regionId}.aliyuncs.com";
        var uri = new UriBuilder(Uri.UriSchemeHttps, host).Uri;
        // Belt and braces: the grammar admits no character that could move the host, and this proves it.
        if (!string.Equals(uri.Host, host, StringComparison.Ordinal) || !uri.Host.EndsWith(".aliyuncs.com", StringComparison.Ordinal))
        {
            throw new ArgumentException("the region id does not give an aliyuncs.com host", nameof(regionId));
        }
        return uri;
    }
}
