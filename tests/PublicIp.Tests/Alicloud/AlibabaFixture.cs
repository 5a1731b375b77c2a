using PublicIp.Alibaba;
using PublicIp.AlibabaEmulator;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Alicloud;

/// <summary>One Alibaba emulator per test class, with short EIP transitions and a credential made up per run.</summary>
public sealed class AlibabaFixture : IAsyncLifetime, IDisposable
{
    public const string Region = "cn-beijing";
    public const string InstanceType = "publicip:alicloud:InstancePublicIp";
    public const string EipType = "publicip:alicloud:EipAddress";

    // Made up per run so a leak check cannot pass by accident on a fixed string.
    public string AccessKeyId { get; } = "LTAI-test-" + Guid.NewGuid().ToString("N")[..8];
    public string Secret { get; } = "emu-secret-" + Guid.NewGuid().ToString("N");

    public AlibabaEmulator.AlibabaEmulator Emulator { get; private set; } = null!;
    public EmulatorWorld World => Emulator.World;

    private readonly HttpClient _http = new();
    private int _counter;

    public async Task InitializeAsync()
    {
        Emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions
        {
            Credentials = [new EmulatorCredential(AccessKeyId, Secret)],
            AssociateDuration = TimeSpan.FromMilliseconds(700),
            UnassociateDuration = TimeSpan.FromMilliseconds(700),
            ReleaseDuration = TimeSpan.FromMilliseconds(700),
        });
    }

    /// <summary>A fresh id, so tests in one class never share instances.</summary>
    public string NextId(string prefix) => $"{prefix}{Interlocked.Increment(ref _counter):D4}{Guid.NewGuid().ToString("N")[..6]}";

    public EmulatorInstance AddInstance(Func<EmulatorInstance, EmulatorInstance>? change = null) =>
        World.AddInstance((change ?? (i => i))(new EmulatorInstance(NextId("i-")) { RegionId = Region }));

    public PropertyMap Config(params (string Key, object? Value)[] extra) =>
        Props.Map([
            ("alicloudRegion", Region),
            ("alicloudEcsEndpoint", Emulator.Endpoint.ToString()),
            ("alicloudVpcEndpoint", Emulator.Endpoint.ToString()),
            ("alicloudAccessKey", Props.Secret(AccessKeyId)),
            ("alicloudSecretKey", Props.Secret(Secret)),
            ("alicloudMaxRetries", 2),
            .. extra,
        ]);

    /// <summary>The plugin must not see a developer's own Alibaba settings.</summary>
    public static readonly IReadOnlyDictionary<string, string?> CleanEnvironment = new Dictionary<string, string?>
    {
        ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = null, ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = null, ["ALIBABA_CLOUD_SECURITY_TOKEN"] = null,
        ["ALICLOUD_ACCESS_KEY"] = null, ["ALICLOUD_SECRET_KEY"] = null, ["ALICLOUD_SECURITY_TOKEN"] = null,
        ["ALIBABA_CLOUD_REGION_ID"] = null, ["ALICLOUD_REGION"] = null,
    };

    public Task<LifecycleHarness> StartPluginAsync(params (string Key, object? Value)[] extraConfig) =>
        LifecycleHarness.StartConfiguredAsync(Config(extraConfig), CleanEnvironment);

    /// <summary>A client straight to the emulator, to act out of band (someone in the console).</summary>
    public IVpcEipApi OutOfBandVpc() => new VpcEipApi(new AlibabaRpcClient(new AlibabaClientOptions
    {
        RegionId = Region,
        Credentials = new AlibabaCredentials(AccessKeyId, Secret),
        EndpointOverrides = new Dictionary<AlibabaProduct, Uri> { [AlibabaProduct.Vpc] = Emulator.Endpoint, [AlibabaProduct.Ecs] = Emulator.Endpoint },
        MaxRetries = 0,
    }, _http));

    public EmulatorEip AddEip(Func<EmulatorEip, EmulatorEip>? change = null) =>
        World.AddEip((change ?? (e => e))(new EmulatorEip(NextId("eip-"), $"47.9.{Interlocked.Increment(ref _counter) % 250}.{Random.Shared.Next(1, 250)}")
        {
            RegionId = Region,
            AllocationTime = DateTimeOffset.UtcNow,
        }));

    public IEnumerable<EmulatorRequest> RequestsFor(string parameterValue) =>
        Emulator.Requests.Where(r => r.Parameters.Values.Contains(parameterValue, StringComparer.Ordinal));

    /// <summary>Neither the engine's messages nor the plugin's stderr may carry the secret.</summary>
    public void AssertNoSecret(LifecycleHarness h)
    {
        Assert.DoesNotContain(h.Engine.Messages, m => m.Message.Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, h.Plugin.Stderr, StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await Emulator.DisposeAsync();

    public void Dispose() => _http.Dispose();
}
