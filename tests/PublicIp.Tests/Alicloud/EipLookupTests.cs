using Grpc.Core;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// publicip:alicloud:getEipAddresses through the published binary against the Alibaba emulator, whose
/// DescribeEipAddresses filters by AllocationId, EipAddress, Status and Tag.N as the VPC API reference documents.
/// </summary>
public class EipLookupTests(AlibabaFixture ali) : IClassFixture<AlibabaFixture>
{
    private const string Get = "publicip:alicloud:getEipAddresses";

    private static Dictionary<string, string> Tags(params (string Key, string Value)[] tags) => tags.ToDictionary(t => t.Key, t => t.Value);

    [Fact]
    public async Task Finds_eips_by_ids_address_status_and_tags_with_the_eip_outputs_read_only()
    {
        var team = "t" + Guid.NewGuid().ToString("N")[..8];
        var vm = ali.AddInstance();
        var held = ali.AddEip(e => e with { Tags = Tags(("team", team), ("role", "egress")), Status = EipStatus.InUse, InstanceId = vm.InstanceId, InstanceType = "EcsInstance", Name = "egress" });
        var spare = ali.AddEip(e => e with { Tags = Tags(("team", team)) });
        ali.AddEip(e => e with { Tags = Tags(("team", "other")) });
        var pages = Enumerable.Range(0, 105).Select(_ => ali.AddEip(e => e with { Tags = Tags(("bulk", team)) })).ToList();
        await using var h = await ali.StartPluginAsync();
        var before = ali.Emulator.Requests.Count;

        var byTag = (await h.InvokeAsync(Get, Props.Map(("tags", Tags(("team", team)))), preview: true)).EnsureOk().Return;
        Assert.Equal(new[] { held.AllocationId, spare.AllocationId }.Order(StringComparer.Ordinal), byTag.Strings("ids").Order(StringComparer.Ordinal));
        Assert.Equal(AlibabaFixture.Region, byTag.Str("regionId"));
        var addresses = Assert.IsType<ArrayValue>(byTag["addresses"]).Items.Select(i => Assert.IsType<ObjectValue>(i).Properties).ToList();
        var heldOut = Assert.Single(addresses, a => a.Str("allocationId") == held.AllocationId);
        Assert.Equal(held.IpAddress, heldOut.Str("ipAddress"));
        Assert.Equal("InUse", heldOut.Str("status"));
        Assert.Equal(vm.InstanceId, heldOut.Str("instanceId"));
        Assert.Equal("EcsInstance", heldOut.Str("instanceType"));
        Assert.Equal("egress", heldOut.Str("name"));
        Assert.Equal("PostPaid", heldOut.Str("chargeType"));
        Assert.Equal(new ObjectValue(Props.Map(("role", "egress"), ("team", team))), heldOut.Get("tags"));

        var byStatus = (await h.InvokeAsync(Get, Props.Map(("tags", Tags(("team", team))), ("status", "Available")))).EnsureOk().Return;
        Assert.Equal([spare.AllocationId], byStatus.Strings("ids"));
        var byAddress = (await h.InvokeAsync(Get, Props.Map(("ipAddresses", new[] { held.IpAddress })))).EnsureOk().Return;
        Assert.Equal([held.AllocationId], byAddress.Strings("ids"));
        Assert.Equal([held.IpAddress], byAddress.Strings("ipAddresses"));
        var byIds = (await h.InvokeAsync(Get, Props.Map(("ids", new[] { spare.AllocationId, "eip-doesnotexist" }), ("regionId", AlibabaFixture.Region)))).EnsureOk().Return;
        Assert.Equal([spare.AllocationId], byIds.Strings("ids"));
        var none = (await h.InvokeAsync(Get, Props.Map(("tags", Tags(("team", "nobody")))))).EnsureOk().Return;
        Assert.Empty(none.Strings("ids"));

        // More than a page (the API's PageSize is at most 100): every match, each once.
        var bulk = (await h.InvokeAsync(Get, Props.Map(("tags", Tags(("bulk", team)))))).EnsureOk().Return;
        Assert.Equal(pages.Select(p => p.AllocationId).Order(StringComparer.Ordinal), bulk.Strings("ids").Order(StringComparer.Ordinal));

        var sent = ali.Emulator.Requests.Skip(before).ToList();
        Assert.All(sent, r => Assert.Equal("DescribeEipAddresses", r.Action));
        Assert.Contains(sent, r => r.Parameters.GetValueOrDefault("Tag.1.Key") == "team" && r.Parameters.GetValueOrDefault("Tag.1.Value") == team);
        Assert.Contains(sent, r => r.Parameters.GetValueOrDefault("Status") == "Available");
        Assert.Contains(sent, r => r.Parameters.GetValueOrDefault("EipAddress") == held.IpAddress);
        Assert.Equal(2, sent.Count(r => r.Parameters.GetValueOrDefault("Tag.1.Key") == "bulk"));
        ali.AssertNoSecret(h);
    }

    [Fact]
    public async Task Bad_arguments_are_failures_naming_the_argument_and_a_secret_argument_keeps_the_result_secret()
    {
        var eip = ali.AddEip();
        await using var h = await ali.StartPluginAsync();
        var before = ali.Emulator.Requests.Count;

        var bad = await h.InvokeAsync(Get, Props.Map(("status", "Busy"), ("regionId", "cn hangzhou!"), ("ids", Enumerable.Range(0, 51).Select(i => $"eip-{i}").ToArray()), ("colour", "red")));
        Assert.Equal(StatusCode.OK, bad.Code);
        Assert.Equal(["colour", "ids", "regionId", "status"], bad.Failures.Select(f => f.Property).Order(StringComparer.Ordinal));
        Assert.Equal(before, ali.Emulator.Requests.Count);

        var secret = (await h.InvokeAsync(Get, Props.Map(("ipAddresses", Props.Secret(new[] { eip.IpAddress }))))).EnsureOk().Return;
        Assert.All(secret.Values, v => Assert.IsType<SecretValue>(v));
        Assert.Equal([eip.AllocationId], secret.Strings("ids"));
    }

    [Fact]
    public async Task Without_a_region_the_failure_names_regionId()
    {
        await using var h = await LifecycleHarness.StartConfiguredAsync(ali.Config().Remove("alicloudRegion"), AlibabaFixture.CleanEnvironment);
        var missing = await h.InvokeAsync(Get, PropertyMap.Empty);
        Assert.Equal("regionId", Assert.Single(missing.Failures).Property);
    }
}
