using Grpc.Core;
using PublicIp.Harness;
using PublicIp.Tests.Alicloud;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Dns;

/// <summary>
/// releaseGuardDnsNames through the published binary, resolving against a DNS server this test starts on loopback
/// (publicip:dnsResolver): a name that still points at the address blocks the destroy before any change and names
/// itself; a name that moved lets it go; a resolver failure (SERVFAIL, timeout) blocks, NXDOMAIN does not.
/// </summary>
public sealed class ReleaseGuardTests : IClassFixture<AwsFixture>, IClassFixture<AlibabaFixture>, IAsyncDisposable
{
    private const string ElasticIp = "publicip:aws:ElasticIp";

    private readonly AwsFixture _aws;
    private readonly AlibabaFixture _ali;
    private readonly LoopbackDnsServer _dns = LoopbackDnsServer.Start();

    public ReleaseGuardTests(AwsFixture aws, AlibabaFixture ali)
    {
        _aws = aws;
        _ali = ali;
        aws.Reset();
    }

    public ValueTask DisposeAsync() => _dns.DisposeAsync();

    private Task<LifecycleHarness> StartAwsAsync(params (string, object?)[] config) =>
        _aws.StartPluginAsync([("dnsResolver", _dns.Address), .. config]);

    private static ResourceSpec Eip(string name, params (string, object?)[] inputs) => new(ElasticIp, name, Props.Map(inputs));

    [Fact]
    public async Task A_name_still_pointing_at_the_address_blocks_the_destroy_before_any_change_until_it_moves()
    {
        var vm = await _aws.DefaultVpcInstanceAsync();
        await using var h = await StartAwsAsync();
        var up = (await h.UpAsync(Eip("web", ("instanceId", vm.InstanceId), ("releaseGuardDnsNames", new List<string> { "www.example.test", "old.example.test" })))).EnsureOk();
        var ip = up.Outputs.Str("publicIp")!;
        _dns.SetA("www.example.test", "198.51.100.20", ip);
        _dns.SetCname("old.example.test", "legacy.example.net", sameResponse: false); // the chain is followed across queries
        _dns.SetA("legacy.example.net", ip);
        _aws.Proxy.Journal.Clear();

        var blocked = await h.DestroyAsync("web");

        Assert.Equal(StatusCode.FailedPrecondition, blocked.Code);
        Assert.Contains($"www.example.test → A 198.51.100.20, {ip}", blocked.Error, StringComparison.Ordinal);
        Assert.Contains($"old.example.test → CNAME legacy.example.net → A {ip}", blocked.Error, StringComparison.Ordinal);
        Assert.Contains($"dnsResolver {_dns.Address}", blocked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_aws.Proxy.Journal.Actions, a => a is "DisassociateAddress" or "ReleaseAddress");
        Assert.True(h.State.ContainsKey("web"));
        Assert.Equal(vm.InstanceId, (await _aws.FindInMotoAsync(up.Id!))!.InstanceId);

        // The records move away (one to another address, one deleted): the destroy goes through.
        _dns.SetA("www.example.test", "198.51.100.20");
        _dns.Remove("old.example.test");
        (await h.DestroyAsync("web")).EnsureOk();
        Assert.Null(await _aws.FindInMotoAsync(up.Id!));
    }

    [Fact]
    public async Task A_resolver_failure_is_never_taken_as_safe()
    {
        await using var h = await StartAwsAsync();
        var up = (await h.UpAsync(Eip("unsure", ("releaseGuardDnsNames", new List<string> { "broken.example.test", "silent.example.test", "gone.example.test" })))).EnsureOk();
        _dns.ServerFailure("broken.example.test");
        _dns.NoAnswer("silent.example.test");
        // gone.example.test is not in the zone: NXDOMAIN is an answer, and alone would let the release go on.
        _aws.Proxy.Journal.Clear();

        var blocked = await h.DestroyAsync("unsure");

        Assert.Equal(StatusCode.FailedPrecondition, blocked.Code);
        Assert.Contains("broken.example.test could not be resolved", blocked.Error, StringComparison.Ordinal);
        Assert.True(blocked.Error!.Contains("silent.example.test could not be resolved (no answer from", StringComparison.Ordinal), blocked.Error);
        Assert.DoesNotContain("gone.example.test", blocked.Error, StringComparison.Ordinal);
        Assert.Empty(_aws.Proxy.Journal.For("ReleaseAddress"));

        _dns.Remove("broken.example.test");
        _dns.Remove("silent.example.test");
        (await h.DestroyAsync("unsure")).EnsureOk();
        Assert.Null(await _aws.FindInMotoAsync(up.Id!));
    }

    [Fact]
    public async Task The_provider_default_applies_unless_a_resource_sets_its_own_list()
    {
        await using var h = await StartAwsAsync(("releaseGuardDnsNames", "[\"mail.example.test\"]"));
        var guarded = (await h.UpAsync(Eip("by-default"))).EnsureOk();
        var optedOut = (await h.UpAsync(Eip("opted-out", ("releaseGuardDnsNames", Array.Empty<string>())))).EnsureOk();
        _dns.SetA("mail.example.test", guarded.Outputs.Str("publicIp")!, optedOut.Outputs.Str("publicIp")!);

        var blocked = await h.DestroyAsync("by-default");
        Assert.Equal(StatusCode.FailedPrecondition, blocked.Code);
        Assert.Contains("mail.example.test → A", blocked.Error, StringComparison.Ordinal);
        (await h.DestroyAsync("opted-out")).EnsureOk();

        _dns.Remove("mail.example.test");
        (await h.DestroyAsync("by-default")).EnsureOk();
    }

    [Fact]
    public async Task Bad_names_and_resolver_are_check_failures_naming_the_property()
    {
        await using var h = await StartAwsAsync();
        var bad = await h.UpAsync(Eip("bad", ("releaseGuardDnsNames", new List<string> { "ok.example.test", "not a name" })));
        Assert.Contains(bad.CheckFailures, f => f.Property == "releaseGuardDnsNames[1]");

        await using var h2 = await LifecycleHarness.StartAsync();
        var config = await h2.ConfigureAsync(_aws.Config(("dnsResolver", "127.0.0.1:99999")));
        Assert.Contains(config.CheckFailures, f => f.Property == "dnsResolver");
    }

    [Fact]
    public async Task Alibaba_EipAddress_and_InstancePublicIp_are_guarded_the_same_way()
    {
        await using var h = await _ali.StartPluginAsync(("dnsResolver", _dns.Address));
        var eip = (await h.UpAsync(new ResourceSpec(AlibabaFixture.EipType, "eip", Props.Map(("releaseGuardDnsNames", new List<string> { "eip.example.test" }))))).EnsureOk();
        var instance = _ali.AddInstance();
        var classic = (await h.UpAsync(new ResourceSpec(AlibabaFixture.InstanceType, "classic",
            Props.Map(("instanceId", instance.InstanceId), ("releaseGuardDnsNames", new List<string> { "classic.example.test" }))))).EnsureOk();
        _dns.SetA("eip.example.test", eip.Outputs.Str("ipAddress")!);
        _dns.SetCname("classic.example.test", "edge.example.test");
        _dns.SetA("edge.example.test", classic.Outputs.Str("ipAddress")!);
        var before = _ali.Emulator.Requests.Count;

        var eipBlocked = await h.DestroyAsync("eip");
        var classicBlocked = await h.DestroyAsync("classic");

        Assert.Equal(StatusCode.FailedPrecondition, eipBlocked.Code);
        Assert.Contains($"eip.example.test → A {eip.Outputs.Str("ipAddress")}", eipBlocked.Error, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, classicBlocked.Code);
        Assert.Contains("classic.example.test → CNAME edge.example.test → A", classicBlocked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_ali.Emulator.Requests.Skip(before), r => r.Action is "ReleaseEipAddress" or "ReleasePublicIpAddress" or "UnassociateEipAddress");
        Assert.NotNull(_ali.World.GetEip(eip.Id!));

        _dns.Remove("eip.example.test");
        _dns.SetA("edge.example.test", "198.51.100.99");
        (await h.DestroyAsync("eip")).EnsureOk();
        (await h.DestroyAsync("classic")).EnsureOk();
        Assert.Null(_ali.World.GetEip(eip.Id!));
        Assert.Null(_ali.World.GetInstance(instance.InstanceId)!.PublicIpAddress);
    }
}
