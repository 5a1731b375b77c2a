using Grpc.Core;
using Grpc.Net.Client;
using Pulumirpc;
using PublicIp.Protocol.Resources;

namespace PublicIp.Protocol.Host;

/// <summary>
/// The connection back to the engine's Engine service. Until the engine address is known (attach mode)
/// messages go to stderr only, which the engine captures at debug level.
/// </summary>
public sealed class EngineConnection : IDisposable
{
    private readonly object _gate = new();
    private GrpcChannel? _channel;
    private Engine.EngineClient? _client;

    public bool IsAttached
    {
        get { lock (_gate) { return _client is not null; } }
    }

    /// <summary>Connects to the engine; the address was validated by <see cref="EngineAddress.TryParse"/>.</summary>
    public void Attach(Uri uri)
    {
        lock (_gate)
        {
            _channel?.Dispose();
            _channel = GrpcChannel.ForAddress(uri);
            _client = new Engine.EngineClient(_channel);
        }
    }

    public async Task LogAsync(LogSeverity severity, string message, string urn, bool ephemeral)
    {
        Engine.EngineClient? client;
        lock (_gate)
        {
            client = _client;
        }
        if (client is null)
        {
            await Console.Error.WriteLineAsync($"[{severity}] {urn} {message}");
            return;
        }
        try
        {
            await client.LogAsync(
                new LogRequest { Severity = severity, Message = message, Urn = urn, Ephemeral = ephemeral },
                deadline: DateTime.UtcNow.AddSeconds(10));
        }
        catch (RpcException e)
        {
            // The engine going away must not fail the operation that wanted to tell it something.
            await Console.Error.WriteLineAsync($"[{severity}] {urn} {message} (engine log failed: {e.StatusCode})");
        }
    }

    public IResourceLog For(string urn) => new ResourceLog(this, urn);

    public void Dispose()
    {
        lock (_gate)
        {
            _channel?.Dispose();
            _channel = null;
            _client = null;
        }
    }

    private sealed class ResourceLog(EngineConnection engine, string urn) : IResourceLog
    {
        public Task DebugAsync(string message) => engine.LogAsync(LogSeverity.Debug, message, urn, false);
        public Task InfoAsync(string message) => engine.LogAsync(LogSeverity.Info, message, urn, false);
        public Task WarningAsync(string message) => engine.LogAsync(LogSeverity.Warning, message, urn, false);
        public Task ErrorAsync(string message) => engine.LogAsync(LogSeverity.Error, message, urn, false);
        public Task StatusAsync(string message) => engine.LogAsync(LogSeverity.Info, message, urn, true);
    }
}
