using Amazon.EC2;
using Amazon.EC2.Model;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Aws;

/// <summary>One moto and one fault proxy in front of it, shared by a test class.</summary>
public sealed class AwsFixture : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;
    public Ec2FaultProxy Proxy { get; private set; } = null!;

    /// <summary>A client that talks to moto directly, to arrange and inspect the world without faults.</summary>
    public IAmazonEC2 Ec2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Moto = await MotoServer.StartAsync();
        Proxy = await Ec2FaultProxy.StartAsync(Moto.Endpoint);
        Ec2 = Ec2TestClient.Create(Moto.Endpoint);
    }

    /// <summary>Provider config pointing the plugin at the proxy with moto's dummy credentials.</summary>
    public PropertyMap Config(params (string Key, object? Value)[] extra) =>
        Props.Map([
            ("awsRegion", "us-east-1"),
            ("awsEndpoint", Proxy.Endpoint.ToString()),
            ("awsAccessKey", Props.Secret("testing")),
            ("awsSecretKey", Props.Secret("testing")),
            ("awsMaxRetries", 1),
            .. extra,
        ]);

    /// <summary>A plugin started, handshaken and configured against this fixture.</summary>
    public Task<LifecycleHarness> StartPluginAsync(params (string Key, object? Value)[] extraConfig) =>
        LifecycleHarness.StartConfiguredAsync(Config(extraConfig));

    private NonDefaultVpcTopology? _nonDefaultVpc;
    private DefaultVpcInstance? _defaultVpcInstance;

    /// <summary>A non-default VPC with an instance and a spare ENI, built once per fixture (moto directly, no faults).</summary>
    public async Task<NonDefaultVpcTopology> NonDefaultVpcAsync() => _nonDefaultVpc ??= await Ec2Topology.CreateNonDefaultVpcAsync(Ec2);

    /// <summary>An instance in the default VPC, launched once per fixture.</summary>
    public async Task<DefaultVpcInstance> DefaultVpcInstanceAsync() => _defaultVpcInstance ??= await Ec2Topology.LaunchInDefaultVpcAsync(Ec2);

    /// <summary>Tests of one class run one after another: each starts with no faults and an empty journal.</summary>
    public void Reset()
    {
        Proxy.ClearFaults();
        Proxy.Journal.Clear();
        Proxy.Ptr.ResetSwitches();
    }

    /// <summary>The address as moto holds it (by AllocationId or PublicIp), or null.</summary>
    public async Task<Address?> FindInMotoAsync(string id)
    {
        var all = await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        return (all.Addresses ?? []).FirstOrDefault(a => a.AllocationId == id || (string.IsNullOrEmpty(a.AllocationId) && a.PublicIp == id));
    }

    public static IReadOnlyList<string> Said(LifecycleHarness h, LogSeverity severity) =>
        [.. h.Engine.Messages.Where(m => m.Severity == severity && !m.Ephemeral).Select(m => m.Message)];

    public async Task DisposeAsync()
    {
        Ec2.Dispose();
        await Proxy.DisposeAsync();
        await Moto.DisposeAsync();
    }
}
