using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Tests.RoundTrip;
using Xunit.Abstractions;
using static PublicIp.Tests.Alicloud.AlibabaFixture;
using static PublicIp.Tests.RoundTrip.RoundTripProperty;

namespace PublicIp.Tests.Alicloud;

/// <summary>
/// The round-trip invariants over generated valid programs of the three Alibaba resources, through the published
/// binary against the Alibaba emulator: one plugin per property, each program a whole up/refresh/import/no-op
/// update/destroy on an instance (and EIP) of its own.
/// </summary>
public class AlicloudRoundTripProperties(AlibabaFixture ali, ITestOutputHelper output) : IClassFixture<AlibabaFixture>
{
    private const string AssociationType = "publicip:alicloud:EipAssociation";

    private IReadOnlyList<string> MutatingCalls() =>
        [.. ali.Emulator.Requests.Where(r => r.Action is { } a && !a.StartsWith("Describe", StringComparison.Ordinal)).Select(r => r.Action!)];

    /// <summary>What an EIP can be associated with: a VPC instance (named as EcsInstance or not), an ENI or a NAT gateway.</summary>
    private static Gen<(string Key, object? Value)?[]> Targets =>
        from target in Gen.Elements(
            new[] { Input("instanceId", "<vpc-instance>") },
            [Input("instanceId", "<vpc-instance>"), Input("instanceType", "EcsInstance")],
            [Input("instanceId", "<eni>"), Input("instanceType", "NetworkInterface")],
            [Input("instanceId", "<nat-gateway>")])
        from privateIp in Maybe("privateIpAddress", "10.1.0.7", "192.168.3.30")
        select target.Append(privateIp).ToArray();

    private static Gen<(string Key, object? Value)?> Regions => Maybe("regionId", AlibabaFixture.Region);

    private static Gen<GeneratedProgram> EipPrograms =>
        from region in Regions
        from bandwidth in Maybe("bandwidth", 1, 5, 200, 10000)
        from chargeType in Maybe("internetChargeType", "PayByBandwidth", "PayByTraffic")
        from isp in Maybe("isp", "BGP", "BGP_PRO")
        from name in Maybe("name", "web", "eip-1.a_b", "Ünïcode名前")
        from description in Maybe("description", "front door", "説明 with spaces, punctuation: ok")
        from resourceGroup in Maybe("resourceGroupId", "rg-acfmdefault", "rg-aek2example")
        from tags in Tags
        from target in Gen.OneOf(Gen.Constant(Array.Empty<(string, object?)?>()), Targets)
        select GeneratedProgram.Of([region, bandwidth, chargeType, isp, name, description, resourceGroup, tags, .. target]);

    /// <summary>instanceType and privateIpAddress only say more about an instanceId; an ENI's id does not say it is one.</summary>
    private static bool ValidTarget(GeneratedProgram p) =>
        (p.Has("instanceId") || !(p.Has("instanceType") || p.Has("privateIpAddress"))) && (p["instanceId"] as string != "<eni>" || p.Has("instanceType"));

    private static Gen<GeneratedProgram> InstancePublicIpPrograms =>
        from instance in Gen.Elements("<classic-instance>", "<vpc-instance>")
        from region in Regions
        from pinned in Maybe("ipAddress", "<pinned>")
        from release in Maybe("vpcRelease", "fail", "convertToEip")
        select GeneratedProgram.Of([Input("instanceId", instance), region, pinned, release]);

    private static Gen<GeneratedProgram> AssociationPrograms =>
        from target in Targets
        from region in Regions
        select GeneratedProgram.Of([Input("allocationId", "<eip>"), .. target, region]);

    private static bool ValidAssociation(GeneratedProgram p) => p.Has("instanceId") && ValidTarget(p);

    [Fact]
    public async Task Every_generated_EipAddress_program_round_trips()
    {
        await using var h = await ali.StartPluginAsync();
        await RunAllAsync(h, EipType, "eip", EipPrograms, ValidTarget, [], cases: 14);
    }

    [Fact]
    public async Task Every_generated_InstancePublicIp_program_round_trips()
    {
        await using var h = await ali.StartPluginAsync();
        await RunAllAsync(h, InstanceType, "ip", InstancePublicIpPrograms, _ => true, ["instanceId"], cases: 10);
    }

    [Fact]
    public async Task Every_generated_EipAssociation_program_round_trips()
    {
        await using var h = await ali.StartPluginAsync();
        await RunAllAsync(h, AssociationType, "assoc", AssociationPrograms, ValidAssociation, ["allocationId", "instanceId"], cases: 10);
    }

    private async Task RunAllAsync(LifecycleHarness h, string type, string prefix, Gen<GeneratedProgram> programs, Func<GeneratedProgram, bool> valid,
        IReadOnlyCollection<string> required, int cases)
    {
        var n = 0;
        await Task.Run(() => Check(programs, valid, required, program =>
        {
            var run = Interlocked.Increment(ref n);
            output.WriteLine($"{run}: {program}");
            var spec = program.Resolve(placeholder => Resolve(placeholder, run)).For(type, $"{prefix}-{run}");
            RunAsync(h, spec).GetAwaiter().GetResult();
        }, cases));
    }

    /// <summary>Everything a program names is its own: an instance holds one EIP, so sharing one would make programs depend on each other.</summary>
    private object Resolve(string placeholder, int run) => placeholder switch
    {
        "<classic-instance>" => ali.AddInstance().InstanceId,
        "<vpc-instance>" => ali.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-pbt" }).InstanceId,
        "<eni>" => ali.NextId("eni-"),
        "<nat-gateway>" => ali.NextId("ngw-"),
        "<eip>" => ali.AddEip().AllocationId,
        "<pinned>" => "47.11." + (run / 250).ToString(CultureInfo.InvariantCulture) + "." + (run % 250 + 1).ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"no value for {placeholder}"),
    };

    private async Task RunAsync(LifecycleHarness h, ResourceSpec spec)
    {
        try
        {
            await RoundTripInvariants.AssertAllAsync(h, spec, MutatingCalls);
        }
        finally
        {
            await DestroyLeftoversAsync(h);
        }
    }
}
