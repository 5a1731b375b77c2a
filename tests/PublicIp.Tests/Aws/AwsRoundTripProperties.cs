using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using FsCheck;
using FsCheck.Fluent;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Tests.RoundTrip;
using Xunit.Abstractions;
using static PublicIp.Tests.RoundTrip.RoundTripProperty;

namespace PublicIp.Tests.Aws;

/// <summary>
/// The round-trip invariants over generated valid programs of both EC2 resources, through the published binary,
/// moto behind our proxy: one plugin per property, each program a whole up/refresh/import/no-op update/destroy.
/// </summary>
public class AwsRoundTripProperties(AwsFixture aws, ITestOutputHelper output) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private const string AssociationType = "publicip:aws:ElasticIpAssociation";

    private IReadOnlyList<string> MutatingCalls() =>
        [.. Aws.Proxy.Journal.Entries.Where(e => !e.DryRun && !e.Action.StartsWith("Describe", StringComparison.Ordinal)).Select(e => e.Action)];

    /// <summary>Where an address can go: nowhere, an instance, or an interface, each with the private IPs it has.</summary>
    private static Gen<(string Key, object? Value)?[]> Targets(bool optional)
    {
        var byInstance = Maybe("privateIpAddress", "<instance-private-ip>").Select(ip => new[] { Input("instanceId", "<instance>"), ip });
        var byInterface = Maybe("privateIpAddress", "<eni-primary-ip>", "<eni-secondary-ip>").Select(ip => new[] { Input("networkInterfaceId", "<eni>"), ip });
        return optional ? Gen.OneOf(Gen.Constant(Array.Empty<(string, object?)?>()), byInstance, byInterface) : Gen.OneOf(byInstance, byInterface);
    }

    private static Gen<GeneratedProgram> ElasticIpPrograms =>
        from tags in Tags
        from borderGroup in Maybe("networkBorderGroup", "us-east-1")
        from pool in Maybe("publicIpv4Pool", "amazon")
        from target in Targets(optional: true)
        from pinned in Gen.Frequency((3, Gen.Constant<(string, object?)?>(null)), (1, Gen.Constant(Input("address", "<pinned>"))))
        from ptr in Maybe("reverseDnsName", "mail.example.com", "mx-1.example.org")
        from reassociate in Maybe("allowReassociation", true, false)
        select GeneratedProgram.Of([tags, borderGroup, pool, .. target, pinned, ptr, reassociate]);

    private static bool ValidElasticIp(GeneratedProgram p) => !p.Has("privateIpAddress") || p.Has("instanceId") || p.Has("networkInterfaceId");

    /// <summary>A vpc address by allocationId (and its public IP, which changes nothing), or a standard one by public IP on a default-VPC instance.</summary>
    private static Gen<GeneratedProgram> AssociationPrograms =>
        from address in Gen.OneOf(
            from named in Gen.Elements(
                new[] { Input("allocationId", "<allocation>") },
                [Input("allocationId", "<allocation>"), Input("publicIp", "<allocation-ip>")])
            from target in Targets(optional: false)
            select named.Concat(target).ToArray(),
            Gen.Constant(new[] { Input("publicIp", "<standard-ip>"), Input("instanceId", "<default-vpc-instance>") }))
        from reassociate in Maybe("allowReassociation", true, false)
        select GeneratedProgram.Of([.. address, reassociate]);

    /// <summary>A vpc address is named by its allocationId (its public IP alone is for standard addresses).</summary>
    private static bool ValidAssociation(GeneratedProgram p) =>
        (p.Has("allocationId") || p["publicIp"] as string == "<standard-ip>") && (p.Has("instanceId") || p.Has("networkInterfaceId"));

    /// <summary>What a program names that its target rules out (the output of the other kind of target).</summary>
    private static string[] Excluded(GeneratedProgram p) =>
        p.Has("instanceId") ? ["networkInterfaceId"] : p.Has("networkInterfaceId") ? ["instanceId"] : [];

    [Fact]
    public async Task Every_generated_ElasticIp_program_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        Aws.Proxy.Ptr.SettleDelay = TimeSpan.FromMilliseconds(50);
        await using var h = await Aws.StartPluginAsync();
        var n = 0;
        await Task.Run(() => Check(ElasticIpPrograms, ValidElasticIp, [], program =>
        {
            var run = Interlocked.Increment(ref n);
            output.WriteLine($"{run}: {program}");
            var spec = program.Resolve(placeholder => Resolve(net, placeholder, run)).For(Type, $"eip-{run}");
            RunAsync(h, spec, Excluded(program)).GetAwaiter().GetResult();
        }, cases: 12));
    }

    [Fact]
    public async Task Every_generated_ElasticIpAssociation_program_round_trips()
    {
        var net = await Aws.NonDefaultVpcAsync();
        var vm = await Aws.DefaultVpcInstanceAsync();
        var address = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc });
        var standard = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Standard });
        await using var h = await Aws.StartPluginAsync();
        var n = 0;
        await Task.Run(() => Check(AssociationPrograms, ValidAssociation, [], program =>
        {
            var run = Interlocked.Increment(ref n);
            output.WriteLine($"{run}: {program}");
            var spec = program.Resolve(placeholder => placeholder switch
            {
                "<allocation>" => address.AllocationId,
                "<allocation-ip>" => address.PublicIp,
                "<standard-ip>" => standard.PublicIp,
                "<default-vpc-instance>" => vm.InstanceId,
                _ => Resolve(net, placeholder, run),
            }).For(AssociationType, $"assoc-{run}");
            RunAsync(h, spec, Excluded(program)).GetAwaiter().GetResult();
            // The association's delete disassociates only: the addresses stay for the next program.
            Assert.NotNull(Aws.FindInMotoAsync(address.AllocationId).GetAwaiter().GetResult());
            Assert.NotNull(Aws.FindInMotoAsync(standard.PublicIp).GetAwaiter().GetResult());
        }, cases: 12));
        await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = address.AllocationId });
        await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { PublicIp = standard.PublicIp });
    }

    private static object Resolve(NonDefaultVpcTopology net, string placeholder, int run) => placeholder switch
    {
        "<instance>" => net.InstanceId,
        "<instance-private-ip>" => net.InstancePrivateIp,
        "<eni>" => net.NetworkInterfaceId,
        "<eni-primary-ip>" => net.NetworkInterfacePrimaryPrivateIp,
        "<eni-secondary-ip>" => net.NetworkInterfaceSecondaryPrivateIp,
        // A new IP per program: a pinned IP is only free again once the program that held it released it.
        "<pinned>" => "198.51.101." + (run % 250 + 1).ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"no value for {placeholder}"),
    };

    private async Task RunAsync(LifecycleHarness h, ResourceSpec spec, string[] exclude)
    {
        try
        {
            await RoundTripInvariants.AssertAllAsync(h, spec, MutatingCalls, exclude);
        }
        finally
        {
            await DestroyLeftoversAsync(h);
        }
    }
}
