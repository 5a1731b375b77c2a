using PublicIp.AlibabaEmulator;

namespace PublicIp.Alibaba.Tests;

/// <summary>Unique, predictable nonces and tokens; Fixed() repeats one nonce to provoke SignatureNonceUsed.</summary>
internal sealed class CountingNonceSource(string? fixedNonce = null) : INonceSource
{
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
    private int _nonces;
    private int _tokens;

    public string NextNonce() => fixedNonce ?? $"{_prefix}-nonce-{Interlocked.Increment(ref _nonces)}";

    public string NextClientToken() => $"{_prefix}-token-{Interlocked.Increment(ref _tokens)}";
}

/// <summary>An emulator plus a client aimed at it; one per test so nothing leaks between tests.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private readonly HttpClient _http = new();

    private Harness(AlibabaEmulator.AlibabaEmulator emulator, ManualClock clock)
    {
        Emulator = emulator;
        Clock = clock;
    }

    public AlibabaEmulator.AlibabaEmulator Emulator { get; }
    public ManualClock Clock { get; }
    public EmulatorWorld World => Emulator.World;
    public List<AlibabaRetryEvent> Retries { get; } = [];

    public static async Task<Harness> StartAsync(Func<AlibabaEmulatorOptions, AlibabaEmulatorOptions>? configure = null)
    {
        var clock = new ManualClock(Start);
        var options = new AlibabaEmulatorOptions
        {
            Clock = clock,
            Credentials = [new("testid", "testsecret"), new("stsid", "stssecret", "sts-token")],
            AssociateDuration = TimeSpan.FromSeconds(5),
            UnassociateDuration = TimeSpan.FromSeconds(5),
            ReleaseDuration = TimeSpan.FromSeconds(5),
        };
        return new Harness(await AlibabaEmulator.AlibabaEmulator.StartAsync(configure?.Invoke(options) ?? options), clock);
    }

    public AlibabaRpcClient Client(
        AlibabaSignatureMode mode = AlibabaSignatureMode.Acs3HmacSha256,
        AlibabaCredentials? credentials = null,
        int maxRetries = 3,
        TimeSpan? requestTimeout = null,
        TimeProvider? clock = null,
        INonceSource? nonces = null) =>
        new(new AlibabaClientOptions
        {
            RegionId = "cn-beijing",
            Credentials = credentials ?? new AlibabaCredentials("testid", "testsecret"),
            SignatureMode = mode,
            EndpointOverrides = new Dictionary<AlibabaProduct, Uri>
            {
                [AlibabaProduct.Ecs] = Emulator.Endpoint,
                [AlibabaProduct.Vpc] = Emulator.Endpoint,
            },
            MaxRetries = maxRetries,
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromSeconds(2),
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
            OnRetry = e =>
            {
                lock (Retries)
                {
                    Retries.Add(e);
                }
            },
        }, _http, clock ?? Clock, nonces ?? new CountingNonceSource());

    public EcsApi Ecs(AlibabaSignatureMode mode = AlibabaSignatureMode.Acs3HmacSha256) => new(Client(mode));

    public VpcEipApi Vpc(AlibabaSignatureMode mode = AlibabaSignatureMode.Acs3HmacSha256) => new(Client(mode));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Emulator.DisposeAsync();
    }
}
