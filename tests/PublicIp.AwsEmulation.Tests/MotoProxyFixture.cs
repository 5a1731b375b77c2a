using Amazon.EC2;

namespace PublicIp.AwsEmulation.Tests;

/// <summary>One moto and one proxy per test class: moto serves ~180 req/s, so starting one per test would dominate the run.</summary>
public sealed class MotoProxyFixture : IAsyncLifetime
{
    public MotoServer Moto { get; private set; } = null!;

    public Ec2FaultProxy Proxy { get; private set; } = null!;

    /// <summary>Talks through the proxy, as the provider binary does.</summary>
    public AmazonEC2Client Ec2 { get; private set; } = null!;

    /// <summary>Talks to moto directly: ground truth for what actually changed.</summary>
    public AmazonEC2Client MotoEc2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Moto = await MotoServer.StartAsync();
        Proxy = await Ec2FaultProxy.StartAsync(Moto.Endpoint);
        Ec2 = Ec2TestClient.Create(Proxy.Endpoint);
        MotoEc2 = Ec2TestClient.Create(Moto.Endpoint);
    }

    /// <summary>Tests in a class share the proxy; each starts from all rules on, no faults, empty journal.</summary>
    public void ResetProxy()
    {
        Proxy.Rules = Ec2ProxyRules.AllOn;
        Proxy.ClearFaults();
        Proxy.Journal.Clear();
        Proxy.Ptr.ResetSwitches();
    }

    public async Task DisposeAsync()
    {
        Ec2.Dispose();
        MotoEc2.Dispose();
        await Proxy.DisposeAsync();
        await Moto.DisposeAsync();
    }
}
