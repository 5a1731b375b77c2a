using Amazon.EC2;
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
    public async Task<LifecycleHarness> StartPluginAsync(params (string Key, object? Value)[] extraConfig)
    {
        var harness = await LifecycleHarness.StartAsync();
        (await harness.ConfigureAsync(Config(extraConfig))).EnsureOk();
        return harness;
    }

    public async Task DisposeAsync()
    {
        Ec2.Dispose();
        await Proxy.DisposeAsync();
        await Moto.DisposeAsync();
    }
}
