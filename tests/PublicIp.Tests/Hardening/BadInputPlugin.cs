using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// One published plugin, configured for both clouds with endpoints on a closed loopback port, so any call that
/// gets as far as a cloud fails at once instead of reaching anything. Bad-input tests share it: a bad input that
/// poisons the process or its connection shows in every later call.
/// </summary>
public sealed class BadInputPlugin : IAsyncLifetime
{
    /// <summary>Longest status message we accept: the provider's cap plus the "cut" note.</summary>
    public const int MaxMessage = Text.MaxMessage + 80;

    /// <summary>Every resource token schema.json declares, so a new resource is fuzzed without being listed here.</summary>
    public static readonly string[] Types =
        [.. System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json")))!["resources"]!.AsObject().Select(r => r.Key)];

    /// <summary>Every function token schema.json declares: Invoke is fuzzed like the resource RPCs.</summary>
    public static readonly string[] Functions =
        [.. System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema.json")))!["functions"]!.AsObject().Select(f => f.Key)];

    private LifecycleHarness? _harness;
    private Grpc.Net.Client.GrpcChannel? _channel;
    private ResourceProvider.ResourceProviderClient? _client;

    public LifecycleHarness Harness => _harness ?? throw new InvalidOperationException("not started");

    /// <summary>One connection, as the engine has: every bad call and every "still serving" check goes over it.</summary>
    public ResourceProvider.ResourceProviderClient Client => _client ?? throw new InvalidOperationException("not started");

    public static PropertyMap Config => Props.Map(
        ("awsRegion", "us-east-1"), ("awsEndpoint", "http://127.0.0.1:9"), ("awsMaxRetries", 0),
        ("awsAccessKey", "AKIDEXAMPLE"), ("awsSecretKey", "example-secret"),
        ("alicloudRegion", "cn-hangzhou"), ("alicloudEcsEndpoint", "http://127.0.0.1:9"), ("alicloudVpcEndpoint", "http://127.0.0.1:9"),
        ("alicloudAccessKey", "LTAIexample"), ("alicloudSecretKey", "example-secret"), ("alicloudMaxRetries", 0));

    public async Task InitializeAsync()
    {
        _harness = await LifecycleHarness.StartAsync();
        (await _harness.ConfigureAsync(Config)).EnsureOk();
        _channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{_harness.Plugin.Port}",
            new Grpc.Net.Client.GrpcChannelOptions { MaxReceiveMessageSize = 400 * 1024 * 1024 });
        _client = new ResourceProvider.ResourceProviderClient(new DeepCallInvoker(_channel.CreateCallInvoker()));
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    public static CallOptions Deadline(double seconds = 20) => new(deadline: DateTime.UtcNow.AddSeconds(seconds));

    /// <summary>How one call ended: its status, and why the engine could not live with it (null when it can).</summary>
    public sealed record Outcome(StatusCode Code, string? Problem, string Detail);

    /// <summary>
    /// How an answer reads to the engine. Acceptable: OK, Check failures with short reasons, or a typed error with a
    /// short message. Not acceptable: Internal or Unknown ("state may be corrupt"), a long message, or no answer.
    /// </summary>
    public static async Task<Outcome> ClassifyAsync(Func<Task<IEnumerable<Pulumirpc.CheckFailure>>> call)
    {
        try
        {
            var failures = (await call()).ToList();
            var longReason = failures.FirstOrDefault(f => f.Reason.Length > MaxMessage);
            return new Outcome(StatusCode.OK, longReason is null ? null : $"a check failure reason of {longReason.Reason.Length} characters",
                string.Join("; ", failures.Select(f => f.Property + ": " + f.Reason)));
        }
        catch (RpcException e)
        {
            var detail = e.Status.Detail;
            string? problem = null;
            if (e.StatusCode is StatusCode.Internal or StatusCode.Unknown)
            {
                problem = $"{e.StatusCode}: {Text.Truncate(detail, 300)}";
            }
            else if (e.StatusCode == StatusCode.DeadlineExceeded && !detail.Contains("customTimeouts", StringComparison.Ordinal))
            {
                problem = "no answer within the client's deadline (a hang)";
            }
            else if (e.StatusCode == StatusCode.Unavailable && detail.Contains("Error starting gRPC call", StringComparison.Ordinal))
            {
                problem = "the connection broke: " + Text.Truncate(detail, 300);
            }
            else if (detail.Length > MaxMessage)
            {
                problem = $"{e.StatusCode} with a message of {detail.Length} characters";
            }
            return new Outcome(e.StatusCode, problem, detail);
        }
    }

    /// <summary>Every RPC that carries property values, called with <paramref name="values"/> in each of its property fields.</summary>
    public static readonly string[] ValueRpcs = ["CheckConfig", "DiffConfig", "Configure", "Check", "Diff", "Create", "CreatePreview", "Read", "Update", "UpdatePreview", "Delete", "Invoke"];

    public Task<IEnumerable<Pulumirpc.CheckFailure>> CallAsync(string rpc, Struct values, string type = "publicip:aws:ElasticIp",
        string id = "eipalloc-0123456789abcdef0", double timeout = 0, double deadlineSeconds = 20)
    {
        var urn = LifecycleHarness.Urn(type, "bad");
        var providerUrn = $"urn:pulumi:{LifecycleHarness.Stack}::{LifecycleHarness.Project}::pulumi:providers:publicip::bad";
        var options = Deadline(deadlineSeconds);
        return rpc switch
        {
            "CheckConfig" => Failures(Client.CheckConfigAsync(new CheckRequest { Urn = providerUrn, Type = "pulumi:providers:publicip", Olds = values, News = values }, options)),
            "DiffConfig" => None(Client.DiffConfigAsync(new DiffRequest { Urn = providerUrn, Olds = values, OldInputs = values, News = values }, options)),
            // Configure with bad values may leave the provider unconfigured: configure it back right after.
            "Configure" => None(ConfigureThenRestoreAsync(values, providerUrn, options)),
            "Check" => Failures(Client.CheckAsync(new CheckRequest { Urn = urn, Type = type, Olds = values, News = values }, options)),
            "Diff" => None(Client.DiffAsync(new DiffRequest { Urn = urn, Type = type, Id = id, Olds = values, OldInputs = values, News = values }, options)),
            "Create" => None(Client.CreateAsync(new CreateRequest { Urn = urn, Type = type, Properties = values, Timeout = timeout }, options)),
            "CreatePreview" => None(Client.CreateAsync(new CreateRequest { Urn = urn, Type = type, Properties = values, Preview = true, Timeout = timeout }, options)),
            "Read" => None(Client.ReadAsync(new ReadRequest { Urn = urn, Type = type, Id = id, Properties = values, Inputs = values, Timeout = timeout }, options)),
            "Update" => None(Client.UpdateAsync(new UpdateRequest { Urn = urn, Type = type, Id = id, Olds = values, OldInputs = values, News = values, Timeout = timeout }, options)),
            "UpdatePreview" => None(Client.UpdateAsync(new UpdateRequest { Urn = urn, Type = type, Id = id, Olds = values, OldInputs = values, News = values, Preview = true, Timeout = timeout }, options)),
            // A resource token drawn for Invoke stands for one of the functions, so every function meets every value.
            "Invoke" => InvokeFailures(Client.InvokeAsync(new InvokeRequest
            {
                Tok = Functions.Contains(type) ? type : Functions[type.Length % Functions.Length], Args = values,
            }, options)),
            "Delete" => None(Client.DeleteAsync(new DeleteRequest { Urn = urn, Type = type, Id = id, Properties = values, OldInputs = values, Timeout = timeout }, options)),
            _ => throw new ArgumentOutOfRangeException(nameof(rpc), rpc, null),
        };
    }

    private async Task<ConfigureResponse> ConfigureThenRestoreAsync(Struct values, string urn, CallOptions options)
    {
        try
        {
            return await Client.ConfigureAsync(new ConfigureRequest { Urn = urn, Args = values, AcceptSecrets = true, AcceptResources = true }, options);
        }
        finally
        {
            await Client.ConfigureAsync(new ConfigureRequest { Urn = urn, Args = PropertyCodec.Encode(Config), AcceptSecrets = true }, Deadline(10));
        }
    }

    private static async Task<IEnumerable<Pulumirpc.CheckFailure>> Failures(AsyncUnaryCall<CheckResponse> call) => (await call).Failures;

    private static async Task<IEnumerable<Pulumirpc.CheckFailure>> InvokeFailures(AsyncUnaryCall<InvokeResponse> call) => (await call).Failures;

    private static async Task<IEnumerable<Pulumirpc.CheckFailure>> None<T>(Task<T> call)
    {
        await call;
        return [];
    }

    private static Task<IEnumerable<Pulumirpc.CheckFailure>> None<T>(AsyncUnaryCall<T> call) => None(call.ResponseAsync);

    /// <summary>The plugin is alive and its connection still serves calls.</summary>
    public async Task AssertStillServingAsync()
    {
        Assert.False(Harness.Plugin.HasExited, "the plugin exited; stderr: " + Harness.Plugin.Stderr);
        var info = await Client.GetPluginInfoAsync(new Empty(), Deadline(5));
        Assert.NotEmpty(info.Version);
    }

    public static Struct Wrap(string key, Value value)
    {
        var s = new Struct();
        s.Fields[key] = value;
        return s;
    }
}
