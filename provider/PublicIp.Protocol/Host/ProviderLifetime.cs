namespace PublicIp.Protocol.Host;

/// <summary>
/// One cancellation source for the whole process: the engine's Cancel RPC (sent at every shutdown) and
/// SIGINT both fire it, and every in-flight operation's token is linked to it.
/// </summary>
public sealed class ProviderLifetime : IDisposable
{
    private readonly CancellationTokenSource _root = new();

    public CancellationToken Token => _root.Token;

    public void CancelAll()
    {
        try
        {
            _root.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Shutdown already disposed it; there is nothing left to cancel.
        }
    }

    public void Dispose() => _root.Dispose();
}
