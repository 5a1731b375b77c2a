using Amazon.EC2;
using Amazon.EC2.Model;
using Grpc.Core;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Aws;

/// <summary>
/// publicip:aws:getElasticIp and getElasticIps through the published binary, moto behind our EC2 proxy (which also
/// emulates the PTR record moto lacks). Every lookup may send only DescribeAddresses and DescribeAddressesAttribute.
/// </summary>
public class AddressLookupTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private const string GetOne = "publicip:aws:getElasticIp";
    private const string GetAll = "publicip:aws:getElasticIps";

    private static readonly string[] ReadOnly = ["DescribeAddresses", "DescribeAddressesAttribute"];
    private static readonly string[] Vpc = ["vpc"];

    /// <summary>An address made outside the stack (as a component's input would be), tagged with a value unique to the test.</summary>
    private async Task<Address> AllocateAsync(params (string Key, string Value)[] tags)
    {
        var allocated = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc });
        if (tags.Length > 0)
        {
            await Aws.Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [allocated.AllocationId], Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))] });
        }
        return (await Aws.FindInMotoAsync(allocated.AllocationId))!;
    }

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..20];

    private void AssertOnlyReadOnlyCalls()
    {
        var actions = Aws.Proxy.Journal.Actions;
        Assert.NotEmpty(actions);
        Assert.All(actions, a => Assert.Contains(a, ReadOnly));
    }

    [Fact]
    public async Task Found_by_allocation_id_returns_the_elastic_ip_outputs_in_a_preview_with_read_only_calls()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var role = Unique("egress");
        var address = await AllocateAsync(("role", role), ("team", "net"));
        await Aws.Ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = address.AllocationId, InstanceId = vm.InstanceId, AllowReassociation = true });
        Aws.Proxy.Ptr.SetApplied(address.AllocationId, address.PublicIp, "egress.example.com");
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();

        var found = (await h.InvokeAsync(GetOne, Props.Map(("allocationId", address.AllocationId)), preview: true)).EnsureOk().Return;

        Assert.Equal(address.AllocationId, found.Str("allocationId"));
        Assert.Equal(address.PublicIp, found.Str("publicIp"));
        Assert.Equal("vpc", found.Str("domain"));
        Assert.StartsWith("eipassoc-", found.Str("associationId"), StringComparison.Ordinal);
        Assert.Equal(vm.InstanceId, found.Str("instanceId"));
        Assert.Equal(vm.NetworkInterfaceId, found.Str("networkInterfaceId"));
        Assert.Equal(vm.PrivateIp, found.Str("privateIpAddress"));
        Assert.Equal("egress.example.com", found.Str("ptrRecord"));
        Assert.Equal(new ObjectValue(Props.Map(("role", role), ("team", "net"))), found.Get("tags"));
        Assert.True(found.ContainsKey("publicIpv4Pool") && found.ContainsKey("networkBorderGroup") && found.ContainsKey("customerOwnedIpv4Pool"));
        // Resource-only properties are not part of a lookup's result.
        Assert.False(found.ContainsKey("reverseDnsName") || found.ContainsKey("allowReassociation") || found.ContainsKey("address"));
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute"], Aws.Proxy.Journal.Actions);
    }

    [Fact]
    public async Task Found_by_public_ip_by_tag_and_by_filter()
    {
        var role = Unique("egress");
        var address = await AllocateAsync(("role", role));
        await AllocateAsync(("role", Unique("other")));
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();

        var byIp = (await h.InvokeAsync(GetOne, Props.Map(("publicIp", address.PublicIp)))).EnsureOk().Return;
        Assert.Equal(address.AllocationId, byIp.Str("allocationId"));
        Assert.Null(byIp.Str("ptrRecord"));

        var byTag = (await h.InvokeAsync(GetOne, Props.Map(("tags", new Dictionary<string, string> { ["role"] = role })))).EnsureOk().Return;
        Assert.Equal(address.AllocationId, byTag.Str("allocationId"));
        Assert.Contains(Aws.Proxy.Journal.For("DescribeAddresses"), e => e.Parameters.Values.Contains($"tag:role") && e.Parameters.Values.Contains(role));

        var byFilter = (await h.InvokeAsync(GetOne, Props.Map(("filters", new object[]
        {
            new Dictionary<string, object> { ["name"] = "tag:role", ["values"] = new[] { role } },
            new Dictionary<string, object> { ["name"] = "domain", ["values"] = Vpc },
        })))).EnsureOk().Return;
        Assert.Equal(address.PublicIp, byFilter.Str("publicIp"));
        AssertOnlyReadOnlyCalls();
    }

    [Fact]
    public async Task None_or_several_matching_is_an_error_that_says_how_many_and_getElasticIps_lists_them()
    {
        var shared = Unique("pool");
        var first = await AllocateAsync(("pool", shared));
        var second = await AllocateAsync(("pool", shared));
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();

        var several = await h.InvokeAsync(GetOne, Props.Map(("tags", new Dictionary<string, string> { ["pool"] = shared })));
        Assert.Equal(StatusCode.FailedPrecondition, several.Code);
        Assert.Contains("2 Elastic IPs", several.Error, StringComparison.Ordinal);
        Assert.Contains(first.AllocationId, several.Error, StringComparison.Ordinal);
        Assert.Contains("getElasticIps", several.Error, StringComparison.Ordinal);

        var none = await h.InvokeAsync(GetOne, Props.Map(("tags", new Dictionary<string, string> { ["pool"] = Unique("nothing") })));
        Assert.Equal(StatusCode.NotFound, none.Code);
        Assert.Contains("0 matched", none.Error, StringComparison.Ordinal);
        var gone = await h.InvokeAsync(GetOne, Props.Map(("allocationId", "eipalloc-0123456789abcdef0")));
        Assert.Equal(StatusCode.NotFound, gone.Code);

        var all = (await h.InvokeAsync(GetAll, Props.Map(("tags", new Dictionary<string, string> { ["pool"] = shared })), preview: true)).EnsureOk().Return;
        Assert.Equal(new[] { first, second }.OrderBy(a => a.PublicIp, StringComparer.Ordinal).Select(a => a.AllocationId), all.Strings("allocationIds"));
        Assert.Equal(new[] { first.PublicIp, second.PublicIp }.Order(StringComparer.Ordinal), all.Strings("publicIps"));
        var empty = (await h.InvokeAsync(GetAll, Props.Map(("tags", new Dictionary<string, string> { ["pool"] = Unique("nothing") })))).EnsureOk().Return;
        Assert.Empty(empty.Strings("allocationIds"));
        AssertOnlyReadOnlyCalls();
    }

    [Fact]
    public async Task Bad_arguments_are_failures_naming_the_argument_and_nothing_is_sent()
    {
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();

        var bad = await h.InvokeAsync(GetOne, Props.Map(("allocationId", 3), ("filters", new object[]
        {
            new Dictionary<string, object> { ["name"] = "tag:role" },
            "domain=vpc",
            new Dictionary<string, object> { ["name"] = "domain", ["values"] = Vpc, ["value"] = "x" },
        }), ("colour", "red")));
        Assert.Equal(StatusCode.OK, bad.Code);
        Assert.Equal(["allocationId", "colour", "filters[0].values", "filters[1]", "filters[2].value"], bad.Failures.Select(f => f.Property).Order(StringComparer.Ordinal));
        Assert.All(bad.Failures, f => Assert.Contains($"'{f.Property}'", f.Reason, StringComparison.Ordinal));
        var notAList = await h.InvokeAsync(GetAll, Props.Map(("filters", "tag:role=egress"), ("tags", new Dictionary<string, object> { ["role"] = 7 })));
        Assert.Equal(["filters", "tags.role"], notAList.Failures.Select(f => f.Property).Order(StringComparer.Ordinal));
        var unknown = await h.InvokeAsync(GetOne, Props.Map(("publicIp", PropertyValue.Unknown())), preview: true);
        Assert.Equal("publicIp", Assert.Single(unknown.Failures).Property);
        var token = await h.InvokeAsync("publicip:aws:getElasticIpz", PropertyMap.Empty);
        Assert.Equal(StatusCode.InvalidArgument, token.Code);
        Assert.Empty(Aws.Proxy.Journal.Actions);
    }

    [Fact]
    public async Task A_secret_argument_makes_the_whole_result_secret()
    {
        var address = await AllocateAsync(("role", Unique("secret")));
        await using var h = await Aws.StartPluginAsync();

        var found = (await h.InvokeAsync(GetOne, Props.Map(("publicIp", Props.Secret(address.PublicIp))))).EnsureOk().Return;

        Assert.All(found.Where(kv => !kv.Value.IsNull), kv => Assert.IsType<SecretValue>(kv.Value));
        Assert.Equal(address.AllocationId, found.Str("allocationId"));
        var notFound = await h.InvokeAsync(GetOne, Props.Map(("publicIp", Props.Secret("198.51.100.77"))));
        Assert.Equal(StatusCode.NotFound, notFound.Code);
        Assert.DoesNotContain("198.51.100.77", notFound.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookups_draw_from_the_rate_budget_and_retry_throttling()
    {
        var address = await AllocateAsync(("role", Unique("throttled")));
        await using var h = await Aws.StartPluginAsync();
        Aws.Proxy.Journal.Clear();
        Aws.Proxy.Inject(Fault.Error("DescribeAddresses", Ec2Error.RequestLimitExceeded()).FiresTimes(2));

        var found = (await h.InvokeAsync(GetOne, Props.Map(("allocationId", address.AllocationId)))).EnsureOk().Return;

        Assert.Equal(address.PublicIp, found.Str("publicIp"));
        Assert.Equal(3, Aws.Proxy.Journal.For("DescribeAddresses").Count);
    }
}
