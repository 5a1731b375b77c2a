using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulumirpc;

namespace PublicIp.Harness;

/// <summary>A diagnostic the plugin sent through Engine.Log.</summary>
public sealed record EngineMessage(LogSeverity Severity, string Message, string Urn, bool Ephemeral);

/// <summary>The engine's Engine service on a free loopback port, recording every Log call.</summary>
public sealed class FakeEngine : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<EngineMessage> _messages;

    private FakeEngine(WebApplication app, ConcurrentQueue<EngineMessage> messages, string address)
    {
        _app = app;
        _messages = messages;
        Address = address;
    }

    /// <summary>host:port, as the engine passes it on the plugin's command line.</summary>
    public string Address { get; }

    public IReadOnlyList<EngineMessage> Messages => [.. _messages];

    public event Action<EngineMessage>? Logged;

    public void Clear() => _messages.Clear();

    public static async Task<FakeEngine> StartAsync()
    {
        var messages = new ConcurrentQueue<EngineMessage>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        FakeEngine? self = null;
        builder.Services.AddSingleton(new EngineService(m =>
        {
            messages.Enqueue(m);
            self?.Logged?.Invoke(m);
        }));
        var app = builder.Build();
        app.MapGrpcService<EngineService>();
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        self = new FakeEngine(app, messages, $"127.0.0.1:{port}");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class EngineService(Action<EngineMessage> record) : Engine.EngineBase
    {
        public override Task<Empty> Log(LogRequest request, ServerCallContext context)
        {
            record(new EngineMessage(request.Severity, request.Message, request.Urn, request.Ephemeral));
            return Task.FromResult(new Empty());
        }
    }
}
