using System.Text.Json;

namespace PublicIp.Alibaba;

public sealed record AllocatePublicIpAddressRequest(string InstanceId, string? IpAddress = null);

public sealed record ReleasePublicIpAddressRequest(string PublicIpAddress, string? InstanceId = null, string? RegionId = null, bool? DryRun = null);

public sealed record DescribeInstancesRequest(string RegionId, IReadOnlyList<string> InstanceIds);

public sealed record ConvertNatPublicIpToEipRequest(string InstanceId, string RegionId);

public sealed record EcsInstance(
    string InstanceId,
    string Status,
    string InstanceNetworkType,
    string? VpcId,
    IReadOnlyList<string> PublicIpAddresses,
    string? EipAddress,
    string? EipAllocationId,
    DateTimeOffset? CreationTime,
    IReadOnlyList<string> OperationLocks,
    int? InternetMaxBandwidthOut)
{
    public bool IsVpc => InstanceNetworkType == "vpc";
}

/// <summary>The classic public-IP calls of ECS 2014-05-26.</summary>
public interface IEcsApi
{
    /// <summary>Returns the allocated public IP (the existing one when the instance already has one).</summary>
    Task<string> AllocatePublicIpAddressAsync(AllocatePublicIpAddressRequest request, CancellationToken cancellationToken);

    Task ReleasePublicIpAddressAsync(ReleasePublicIpAddressRequest request, CancellationToken cancellationToken);

    Task<IReadOnlyList<EcsInstance>> DescribeInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken);

    Task ConvertNatPublicIpToEipAsync(ConvertNatPublicIpToEipRequest request, CancellationToken cancellationToken);
}

public sealed class EcsApi(IAlibabaRpcClient client) : IEcsApi
{
    public async Task<string> AllocatePublicIpAddressAsync(AllocatePublicIpAddressRequest request, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, string> { ["InstanceId"] = request.InstanceId };
        Params.AddIf(parameters, "IpAddress", request.IpAddress);
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Ecs, "AllocatePublicIpAddress", parameters), cancellationToken);
        return JsonRead.Required(body, "IpAddress", "AllocatePublicIpAddress");
    }

    public Task ReleasePublicIpAddressAsync(ReleasePublicIpAddressRequest request, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, string> { ["PublicIpAddress"] = request.PublicIpAddress };
        Params.AddIf(parameters, "InstanceId", request.InstanceId);
        Params.AddIf(parameters, "RegionId", request.RegionId);
        Params.AddIf(parameters, "DryRun", request.DryRun);
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Ecs, "ReleasePublicIpAddress", parameters), cancellationToken);
    }

    public async Task<IReadOnlyList<EcsInstance>> DescribeInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken)
    {
        // DescribeInstances takes its ids as one JSON array string, e.g. ["i-1","i-2"].
        var parameters = new Dictionary<string, string>
        {
            ["RegionId"] = request.RegionId,
            ["InstanceIds"] = JsonSerializer.Serialize(request.InstanceIds, AlibabaJsonContext.Default.IReadOnlyListString),
            ["PageSize"] = "100",
        };
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Ecs, "DescribeInstances", parameters), cancellationToken);
        return JsonRead.List(body, "Instances", "Instance").Select(ReadInstance).ToList();
    }

    public Task ConvertNatPublicIpToEipAsync(ConvertNatPublicIpToEipRequest request, CancellationToken cancellationToken) =>
        client.CallAsync(new AlibabaRequest(AlibabaProduct.Ecs, "ConvertNatPublicIpToEip", new Dictionary<string, string>
        {
            ["InstanceId"] = request.InstanceId,
            ["RegionId"] = request.RegionId,
        }), cancellationToken);

    private static EcsInstance ReadInstance(JsonElement i)
    {
        var eip = JsonRead.Object(i, "EipAddress");
        var eipAddress = eip is { } e ? JsonRead.String(e, "IpAddress") : null;
        return new EcsInstance(
            JsonRead.String(i, "InstanceId") ?? "",
            JsonRead.String(i, "Status") ?? "",
            JsonRead.String(i, "InstanceNetworkType") ?? "",
            JsonRead.Object(i, "VpcAttributes") is { } vpc ? NullIfEmpty(JsonRead.String(vpc, "VpcId")) : null,
            JsonRead.Object(i, "PublicIpAddress") is { } pub && pub.TryGetProperty("IpAddress", out var ips) && ips.ValueKind == JsonValueKind.Array
                ? ips.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToList()
                : [],
            NullIfEmpty(eipAddress),
            eip is { } e2 ? NullIfEmpty(JsonRead.String(e2, "AllocationId")) : null,
            JsonRead.Time(i, "CreationTime"),
            JsonRead.List(i, "OperationLocks", "LockReason").Select(l => JsonRead.String(l, "LockReason") ?? "").ToList(),
            JsonRead.Int(i, "InternetMaxBandwidthOut"));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

internal static class Params
{
    public static void AddIf(Dictionary<string, string> parameters, string name, string? value)
    {
        if (value is not null)
        {
            parameters[name] = value;
        }
    }

    public static void AddIf(Dictionary<string, string> parameters, string name, bool? value)
    {
        if (value is { } v)
        {
            parameters[name] = v ? "true" : "false";
        }
    }

    public static void AddIf(Dictionary<string, string> parameters, string name, int? value)
    {
        if (value is { } v)
        {
            parameters[name] = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class AlibabaJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
