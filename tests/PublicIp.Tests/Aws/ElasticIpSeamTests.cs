using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Moq;
using PublicIp.Harness;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Resources.Aws;

namespace PublicIp.Tests.Aws;

/// <summary>In-process, at the IAmazonEC2 seam: the exact calls Delete makes, and the generic diff's verdicts.</summary>
public class ElasticIpSeamTests
{
    private const string Id = "eipalloc-0123456789abcdef0";
    private const string Ip = "203.0.113.5";

    private sealed class RecordingLog : IResourceLog
    {
        public List<(string Level, string Message)> Lines { get; } = [];
        public Task DebugAsync(string message) { Lines.Add(("debug", message)); return Task.CompletedTask; }
        public Task InfoAsync(string message) { Lines.Add(("info", message)); return Task.CompletedTask; }
        public Task WarningAsync(string message) { Lines.Add(("warning", message)); return Task.CompletedTask; }
        public Task ErrorAsync(string message) { Lines.Add(("error", message)); return Task.CompletedTask; }
        public Task StatusAsync(string message) { Lines.Add(("status", message)); return Task.CompletedTask; }
    }

    private sealed class Factory(IAmazonEC2 ec2) : IEc2ClientFactory
    {
        public IAmazonEC2 Create(AwsConfig config) => ec2;
    }

    private readonly Mock<IAmazonEC2> _ec2 = new(MockBehavior.Strict);
    private readonly RecordingLog _log = new();

    private IResourceType Resource(bool rehearse = false)
    {
        var clients = new CloudClients(new Factory(_ec2.Object));
        var (config, failures) = ProviderConfig.Read(Props.Map(("awsRegion", "us-east-1"), ("rehearseDeletes", rehearse)), _ => null);
        Assert.Empty(failures);
        clients.Configure(config);
        return new ElasticIp(clients);
    }

    private ResourceCall Call() => new("urn:pulumi:test::p::publicip:aws:ElasticIp::web", "web", "publicip:aws:ElasticIp", false, TimeSpan.FromSeconds(30), _log, CancellationToken.None);

    private static PropertyMap State(string? associationId = null) =>
        Props.Map(("allocationId", Id), ("publicIp", Ip), ("domain", "vpc"), ("associationId", associationId), ("networkBorderGroup", "us-east-1"));

    private void Describes(Address address)
    {
        _ec2.Setup(m => m.DescribeAddressesAsync(It.Is<DescribeAddressesRequest>(r => r.AllocationIds.Single() == Id), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesResponse { Addresses = [address] });
        // No PTR record: EC2 does not list the address at all.
        _ec2.Setup(m => m.DescribeAddressesAttributeAsync(It.Is<DescribeAddressesAttributeRequest>(r => r.AllocationIds.Single() == Id), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesAttributeResponse());
    }

    private IEnumerable<string> Calls => _ec2.Invocations.Select(i => i.Method.Name);

    [Fact]
    public async Task Associated_address_is_described_then_disassociated_by_association_id_then_released_with_its_border_group()
    {
        Describes(new Address { AllocationId = Id, PublicIp = Ip, AssociationId = "eipassoc-1", InstanceId = "i-1", NetworkInterfaceId = "eni-1", NetworkBorderGroup = "us-east-1-bos-1" });
        _ec2.Setup(m => m.DisassociateAddressAsync(It.Is<DisassociateAddressRequest>(r => r.AssociationId == "eipassoc-1" && r.PublicIp == null && r.DryRun != true), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DisassociateAddressResponse());
        _ec2.Setup(m => m.ReleaseAddressAsync(It.Is<ReleaseAddressRequest>(r => r.AllocationId == Id && r.NetworkBorderGroup == "us-east-1-bos-1" && r.PublicIp == null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReleaseAddressResponse());

        await Resource().DeleteAsync(Call(), Id, State("eipassoc-stale"), PropertyMap.Empty);

        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "DisassociateAddressAsync", "ReleaseAddressAsync"], Calls);
    }

    [Fact]
    public async Task Unassociated_address_with_motos_empty_strings_is_released_without_a_disassociate()
    {
        Describes(new Address { AllocationId = Id, PublicIp = Ip, InstanceId = "", NetworkInterfaceId = "" });
        _ec2.Setup(m => m.ReleaseAddressAsync(It.IsAny<ReleaseAddressRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(new ReleaseAddressResponse());

        // The state still says associated: Delete goes by the cloud's truth, not the state's.
        await Resource().DeleteAsync(Call(), Id, State("eipassoc-stale"), PropertyMap.Empty);

        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "ReleaseAddressAsync"], Calls);
    }

    [Fact]
    public async Task Already_disassociated_between_describe_and_disassociate_goes_on_to_release()
    {
        Describes(new Address { AllocationId = Id, PublicIp = Ip, AssociationId = "eipassoc-1", InstanceId = "i-1" });
        _ec2.Setup(m => m.DisassociateAddressAsync(It.IsAny<DisassociateAddressRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonEC2Exception("gone") { ErrorCode = "InvalidAssociationID.NotFound", StatusCode = HttpStatusCode.BadRequest });
        _ec2.Setup(m => m.ReleaseAddressAsync(It.IsAny<ReleaseAddressRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(new ReleaseAddressResponse());

        await Resource().DeleteAsync(Call(), Id, State(), PropertyMap.Empty);

        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "DisassociateAddressAsync", "ReleaseAddressAsync"], Calls);
    }

    [Fact]
    public async Task UnauthorizedOperation_fails_at_once_with_PermissionDenied()
    {
        Describes(new Address { AllocationId = Id, PublicIp = Ip });
        _ec2.Setup(m => m.ReleaseAddressAsync(It.IsAny<ReleaseAddressRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonEC2Exception("You are not authorized") { ErrorCode = "UnauthorizedOperation", StatusCode = HttpStatusCode.Forbidden });

        var e = await Assert.ThrowsAsync<ResourceException>(() => Resource().DeleteAsync(Call(), Id, State(), PropertyMap.Empty));

        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains("ec2:ReleaseAddress", e.Message, StringComparison.Ordinal);
        Assert.Contains("'web'", e.Message, StringComparison.Ordinal);
        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "ReleaseAddressAsync"], Calls);
    }

    [Fact]
    public async Task Rehearsal_sends_only_DryRun_changes_and_fails_so_state_is_kept()
    {
        Describes(new Address { AllocationId = Id, PublicIp = Ip, AssociationId = "eipassoc-1", InstanceId = "i-1" });
        var dryRun = new AmazonEC2Exception("Request would have succeeded, but DryRun flag is set.") { ErrorCode = "DryRunOperation", StatusCode = HttpStatusCode.PreconditionFailed };
        _ec2.Setup(m => m.DisassociateAddressAsync(It.Is<DisassociateAddressRequest>(r => r.DryRun == true), It.IsAny<CancellationToken>())).ThrowsAsync(dryRun);
        _ec2.Setup(m => m.ReleaseAddressAsync(It.Is<ReleaseAddressRequest>(r => r.DryRun == true), It.IsAny<CancellationToken>())).ThrowsAsync(dryRun);

        var e = await Assert.ThrowsAsync<ResourceException>(() => Resource(rehearse: true).DeleteAsync(Call(), Id, State(), PropertyMap.Empty));

        Assert.Equal(FailureKind.FailedPrecondition, e.Kind);
        Assert.Contains("would disassociate", e.Message, StringComparison.Ordinal);
        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "DisassociateAddressAsync", "ReleaseAddressAsync"], Calls);
    }

    [Fact]
    public async Task Foreign_account_on_release_is_a_success_with_a_warning()
    {
        var notYours = new AmazonEC2Exception($"The allocation ID '{Id}' does not belong to you.") { ErrorCode = "AuthFailure", StatusCode = HttpStatusCode.BadRequest };
        _ec2.SetupSequence(m => m.DescribeAddressesAsync(It.IsAny<DescribeAddressesRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesResponse { Addresses = [new Address { AllocationId = Id, PublicIp = Ip }] })
            .ThrowsAsync(notYours);
        _ec2.Setup(m => m.DescribeAddressesAttributeAsync(It.IsAny<DescribeAddressesAttributeRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeAddressesAttributeResponse());
        _ec2.Setup(m => m.ReleaseAddressAsync(It.IsAny<ReleaseAddressRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(notYours);

        await Resource().DeleteAsync(Call(), Id, State(), PropertyMap.Empty);

        Assert.Equal(["DescribeAddressesAsync", "DescribeAddressesAttributeAsync", "ReleaseAddressAsync", "DescribeAddressesAsync"], Calls);
        Assert.Contains(_log.Lines, l => l.Level == "warning" && l.Message.Contains("another AWS account", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("domain", "standard", true)]
    [InlineData("networkBorderGroup", "us-west-2-lax-1", true)]
    [InlineData("publicIpv4Pool", "ipv4pool-ec2-1", true)]
    [InlineData("address", "198.51.100.7", true)]
    [InlineData("customerOwnedIpv4Pool", "ipv4pool-coip-1", true)]
    [InlineData("instanceId", "i-2", false)]
    [InlineData("networkInterfaceId", "eni-2", false)]
    [InlineData("privateIpAddress", "10.0.0.9", false)]
    public async Task Diff_replaces_for_allocation_properties_and_updates_association_in_place(string property, string value, bool replaces)
    {
        var old = Props.Map(("domain", "vpc"), ("networkBorderGroup", "us-east-1"), ("instanceId", "i-1"), ("tags", new Dictionary<string, string> { ["a"] = "1" }));
        var news = old.Set(property, PropertyValue.Of(value));

        var diff = await Resource().DiffAsync(Call(), Id, PropertyMap.Empty, old, news, []);

        Assert.True(diff.HasChanges);
        Assert.Equal([property], diff.Diffs);
        Assert.Equal(replaces ? [property] : [], diff.Replaces);
    }

    [Fact]
    public async Task Diff_of_tags_is_an_in_place_update_naming_the_key()
    {
        var old = Props.Map(("domain", "vpc"), ("tags", new Dictionary<string, string> { ["a"] = "1" }));
        var news = Props.Map(("domain", "vpc"), ("tags", new Dictionary<string, string> { ["a"] = "2" }));
        var diff = await Resource().DiffAsync(Call(), Id, PropertyMap.Empty, old, news, []);
        Assert.Equal(["tags"], diff.Diffs);
        Assert.Empty(diff.Replaces);
        Assert.Contains(diff.DetailedDiff.Keys, k => k.StartsWith("tags", StringComparison.Ordinal));
    }
}
