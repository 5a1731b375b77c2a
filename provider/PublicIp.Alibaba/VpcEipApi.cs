using System.Globalization;
using System.Text.Json;

namespace PublicIp.Alibaba;

public sealed record AllocateEipAddressRequest(string RegionId)
{
    public int? Bandwidth { get; init; }
    public string? InternetChargeType { get; init; }
    public string? InstanceChargeType { get; init; }
    public string? ISP { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? ResourceGroupId { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Reuse a token to make a retried create idempotent across process restarts; the client makes one otherwise.</summary>
    public string? ClientToken { get; init; }
}

/// <summary>
/// AllocateEipAddressPro: a specific address, by IpAddress or by the released EIP's id (InstanceId), the documented
/// way to get a released EIP back while no other account holds it. Pay-as-you-go only.
/// </summary>
public sealed record AllocateEipAddressProRequest(string RegionId)
{
    public string? IpAddress { get; init; }
    public string? InstanceId { get; init; }
    public int? Bandwidth { get; init; }
    public string? InternetChargeType { get; init; }
    public string? ISP { get; init; }
    public string? ResourceGroupId { get; init; }
    public string? ClientToken { get; init; }
}

/// <summary>EipAddress is null for PrePaid EIPs, which the API answers with an order id instead.</summary>
public sealed record AllocateEipAddressResult(string AllocationId, string? EipAddress);

public sealed record AssociateEipAddressRequest(string AllocationId, string InstanceId, string RegionId)
{
    public string InstanceType { get; init; } = "EcsInstance";
    public string? PrivateIpAddress { get; init; }
}

public sealed record UnassociateEipAddressRequest(string AllocationId, string RegionId)
{
    public string? InstanceId { get; init; }
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
    public bool? Force { get; init; }
}

public sealed record ReleaseEipAddressRequest(string AllocationId, string RegionId);

/// <param name="AllocationId">One id, or up to 50 separated by commas (the API's own list form).</param>
public sealed record DescribeEipAddressesRequest(string RegionId, string AllocationId)
{
    /// <summary>Entries per page (the API's default is 10, its maximum 100).</summary>
    public int? PageSize { get; init; }
}

/// <summary>DescribeEipAddresses with the reference's filters; every filter given must match.</summary>
/// <param name="AllocationIds">Up to 50 ids.</param>
/// <param name="IpAddresses">Up to 50 addresses (the API's EipAddress parameter).</param>
public sealed record EipQuery(string RegionId, IReadOnlyList<string> AllocationIds, IReadOnlyList<string> IpAddresses, string? Status,
    IReadOnlyDictionary<string, string> Tags, int PageNumber, int PageSize);

public sealed record ModifyEipAddressAttributeRequest(string AllocationId, string RegionId)
{
    public int? Bandwidth { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
}

public sealed record TagEipRequest(string RegionId, string AllocationId, IReadOnlyDictionary<string, string> Tags);

public sealed record UntagEipRequest(string RegionId, string AllocationId, IReadOnlyList<string> TagKeys);

public sealed record EipAddress(
    string AllocationId,
    string IpAddress,
    string Status,
    string? InstanceId,
    string? InstanceType,
    string? PrivateIpAddress,
    int? Bandwidth,
    string? InternetChargeType,
    string? ChargeType,
    string? ISP,
    string? Name,
    string? Description,
    string? ResourceGroupId,
    bool DeletionProtection,
    IReadOnlyList<string> OperationLocks,
    IReadOnlyDictionary<string, string> Tags);

public sealed record EipPage(IReadOnlyList<EipAddress> EipAddresses, int TotalCount);

/// <summary>The EIP calls of VPC 2016-04-28 (the ECS copies are deprecated).</summary>
public interface IVpcEipApi
{
    Task<AllocateEipAddressResult> AllocateEipAddressAsync(AllocateEipAddressRequest request, CancellationToken cancellationToken);
    Task<AllocateEipAddressResult> AllocateEipAddressProAsync(AllocateEipAddressProRequest request, CancellationToken cancellationToken);
    Task AssociateEipAddressAsync(AssociateEipAddressRequest request, CancellationToken cancellationToken);
    Task UnassociateEipAddressAsync(UnassociateEipAddressRequest request, CancellationToken cancellationToken);
    Task ReleaseEipAddressAsync(ReleaseEipAddressRequest request, CancellationToken cancellationToken);

    /// <summary>Empty when the EIP does not exist (the API does not answer NotFound here).</summary>
    Task<IReadOnlyList<EipAddress>> DescribeEipAddressesAsync(DescribeEipAddressesRequest request, CancellationToken cancellationToken);

    /// <summary>One page of every EIP in a region (PageNumber from 1, PageSize at most 100), and how many there are in all.</summary>
    Task<EipPage> ListEipAddressesAsync(string regionId, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>One page of the EIPs that match <paramref name="query"/>.</summary>
    Task<EipPage> QueryEipAddressesAsync(EipQuery query, CancellationToken cancellationToken);

    Task ModifyEipAddressAttributeAsync(ModifyEipAddressAttributeRequest request, CancellationToken cancellationToken);
    Task TagResourcesAsync(TagEipRequest request, CancellationToken cancellationToken);
    Task UntagResourcesAsync(UntagEipRequest request, CancellationToken cancellationToken);
}

public sealed class VpcEipApi(IAlibabaRpcClient client) : IVpcEipApi
{
    public async Task<AllocateEipAddressResult> AllocateEipAddressAsync(AllocateEipAddressRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["RegionId"] = request.RegionId };
        Params.AddIf(p, "Bandwidth", request.Bandwidth);
        Params.AddIf(p, "InternetChargeType", request.InternetChargeType);
        Params.AddIf(p, "InstanceChargeType", request.InstanceChargeType);
        Params.AddIf(p, "ISP", request.ISP);
        Params.AddIf(p, "Name", request.Name);
        Params.AddIf(p, "Description", request.Description);
        Params.AddIf(p, "ResourceGroupId", request.ResourceGroupId);
        Params.AddIf(p, "ClientToken", request.ClientToken);
        AddTags(p, request.Tags ?? new Dictionary<string, string>());
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "AllocateEipAddress", p) { UsesClientToken = true }, cancellationToken);
        var eip = JsonRead.String(body, "EipAddress");
        return new AllocateEipAddressResult(JsonRead.Required(body, "AllocationId", "AllocateEipAddress"), string.IsNullOrEmpty(eip) ? null : eip);
    }

    public async Task<AllocateEipAddressResult> AllocateEipAddressProAsync(AllocateEipAddressProRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["RegionId"] = request.RegionId, ["InstanceChargeType"] = "PostPaid" };
        Params.AddIf(p, "IpAddress", request.IpAddress);
        Params.AddIf(p, "InstanceId", request.InstanceId);
        Params.AddIf(p, "Bandwidth", request.Bandwidth);
        Params.AddIf(p, "InternetChargeType", request.InternetChargeType);
        Params.AddIf(p, "ISP", request.ISP);
        Params.AddIf(p, "ResourceGroupId", request.ResourceGroupId);
        Params.AddIf(p, "ClientToken", request.ClientToken);
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "AllocateEipAddressPro", p) { UsesClientToken = true }, cancellationToken);
        var eip = JsonRead.String(body, "EipAddress");
        return new AllocateEipAddressResult(JsonRead.Required(body, "AllocationId", "AllocateEipAddressPro"), string.IsNullOrEmpty(eip) ? null : eip);
    }

    public Task AssociateEipAddressAsync(AssociateEipAddressRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string>
        {
            ["AllocationId"] = request.AllocationId,
            ["InstanceId"] = request.InstanceId,
            ["InstanceType"] = request.InstanceType,
            ["RegionId"] = request.RegionId,
        };
        Params.AddIf(p, "PrivateIpAddress", request.PrivateIpAddress);
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "AssociateEipAddress", p) { UsesClientToken = true }, cancellationToken);
    }

    public Task UnassociateEipAddressAsync(UnassociateEipAddressRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["AllocationId"] = request.AllocationId, ["RegionId"] = request.RegionId };
        Params.AddIf(p, "InstanceId", request.InstanceId);
        Params.AddIf(p, "InstanceType", request.InstanceType);
        Params.AddIf(p, "PrivateIpAddress", request.PrivateIpAddress);
        Params.AddIf(p, "Force", request.Force);
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "UnassociateEipAddress", p) { UsesClientToken = true }, cancellationToken);
    }

    public Task ReleaseEipAddressAsync(ReleaseEipAddressRequest request, CancellationToken cancellationToken) =>
        client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "ReleaseEipAddress", new Dictionary<string, string>
        {
            ["AllocationId"] = request.AllocationId,
            ["RegionId"] = request.RegionId,
        }), cancellationToken);

    public async Task<IReadOnlyList<EipAddress>> DescribeEipAddressesAsync(DescribeEipAddressesRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string>
        {
            ["RegionId"] = request.RegionId,
            ["AllocationId"] = request.AllocationId,
        };
        Params.AddIf(p, "PageSize", request.PageSize);
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "DescribeEipAddresses", p), cancellationToken);
        return JsonRead.List(body, "EipAddresses", "EipAddress").Select(ReadEip).ToList();
    }

    public Task<EipPage> ListEipAddressesAsync(string regionId, int pageNumber, int pageSize, CancellationToken cancellationToken) =>
        QueryEipAddressesAsync(new EipQuery(regionId, [], [], null, new Dictionary<string, string>(), pageNumber, pageSize), cancellationToken);

    public async Task<EipPage> QueryEipAddressesAsync(EipQuery query, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string>
        {
            ["RegionId"] = query.RegionId,
            ["PageNumber"] = query.PageNumber.ToString(CultureInfo.InvariantCulture),
            ["PageSize"] = query.PageSize.ToString(CultureInfo.InvariantCulture),
        };
        if (query.AllocationIds.Count > 0)
        {
            p["AllocationId"] = string.Join(',', query.AllocationIds);
        }
        if (query.IpAddresses.Count > 0)
        {
            p["EipAddress"] = string.Join(',', query.IpAddresses);
        }
        Params.AddIf(p, "Status", query.Status);
        AddTags(p, query.Tags);
        var body = await client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "DescribeEipAddresses", p), cancellationToken);
        return new EipPage(JsonRead.List(body, "EipAddresses", "EipAddress").Select(ReadEip).ToList(), JsonRead.Int(body, "TotalCount") ?? 0);
    }

    public Task ModifyEipAddressAttributeAsync(ModifyEipAddressAttributeRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["AllocationId"] = request.AllocationId, ["RegionId"] = request.RegionId };
        Params.AddIf(p, "Bandwidth", request.Bandwidth);
        Params.AddIf(p, "Name", request.Name);
        Params.AddIf(p, "Description", request.Description);
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "ModifyEipAddressAttribute", p), cancellationToken);
    }

    public Task TagResourcesAsync(TagEipRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["RegionId"] = request.RegionId, ["ResourceType"] = "EIP", ["ResourceId.1"] = request.AllocationId };
        AddTags(p, request.Tags);
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "TagResources", p), cancellationToken);
    }

    public Task UntagResourcesAsync(UntagEipRequest request, CancellationToken cancellationToken)
    {
        var p = new Dictionary<string, string> { ["RegionId"] = request.RegionId, ["ResourceType"] = "EIP", ["ResourceId.1"] = request.AllocationId };
        for (var i = 0; i < request.TagKeys.Count; i++)
        {
            p[$"TagKey.{i + 1}"] = request.TagKeys[i];
        }
        return client.CallAsync(new AlibabaRequest(AlibabaProduct.Vpc, "UntagResources", p), cancellationToken);
    }

    private static void AddTags(Dictionary<string, string> p, IReadOnlyDictionary<string, string> tags)
    {
        var n = 1;
        // Sorted so the same tags always produce the same request (and the same ClientToken semantics server side).
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            p[string.Create(CultureInfo.InvariantCulture, $"Tag.{n}.Key")] = key;
            p[string.Create(CultureInfo.InvariantCulture, $"Tag.{n}.Value")] = value;
            n++;
        }
    }

    private static EipAddress ReadEip(JsonElement e) => new(
        JsonRead.String(e, "AllocationId") ?? "",
        JsonRead.String(e, "IpAddress") ?? "",
        JsonRead.String(e, "Status") ?? "",
        Empty(JsonRead.String(e, "InstanceId")),
        Empty(JsonRead.String(e, "InstanceType")),
        Empty(JsonRead.String(e, "PrivateIpAddress")),
        JsonRead.Int(e, "Bandwidth"),
        Empty(JsonRead.String(e, "InternetChargeType")),
        Empty(JsonRead.String(e, "ChargeType")),
        Empty(JsonRead.String(e, "ISP")),
        Empty(JsonRead.String(e, "Name")),
        Empty(JsonRead.String(e, "Description")),
        Empty(JsonRead.String(e, "ResourceGroupId")),
        JsonRead.Bool(e, "DeletionProtection") ?? false,
        JsonRead.List(e, "OperationLocks", "LockReason").Select(l => JsonRead.String(l, "LockReason") ?? "").ToList(),
        JsonRead.List(e, "Tags", "Tag").ToDictionary(t => JsonRead.String(t, "Key") ?? "", t => JsonRead.String(t, "Value") ?? "", StringComparer.Ordinal));

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
