using Grpc.Core;
using Grpc.Core.Interceptors;
using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Host;

/// <summary>
/// The last line before the wire: every error leaves with a message short enough for any HTTP/2 peer's
/// header limits (a longer one is never delivered and stalls every call on the connection), and nothing but
/// an RpcException leaves at all.
/// </summary>
public sealed class BoundedErrorsInterceptor(ProviderSecrets secrets) : Interceptor
{
    /// <summary>Trailers beyond this (other than the status itself) are dropped rather than risk the connection.</summary>
    private const int MaxTrailerBytes = 16 * 1024;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException e)
        {
            throw Bound(e, secrets.Redactor);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync(Text.Truncate(secrets.Redact($"{context.Method} failed with an unexpected {e.GetType().Name}: {e.Message}")));
            throw new RpcException(new Status(StatusCode.Internal,
                Text.Truncate($"{context.Method} failed with an unexpected error in the provider ({e.GetType().Name}); please report this")));
        }
    }

    public static RpcException Bound(RpcException e, Redactor redactor)
    {
        var detail = Text.Truncate(redactor.Redact(e.Status.Detail));
        if (string.Equals(detail, e.Status.Detail, StringComparison.Ordinal) && e.Trailers.All(t => Size(t) <= MaxTrailerBytes))
        {
            return e;
        }
        var trailers = new Metadata();
        foreach (var entry in e.Trailers.Where(t => Size(t) <= MaxTrailerBytes))
        {
            trailers.Add(entry);
        }
        return new RpcException(new Status(e.StatusCode, detail), trailers);
    }

    private static int Size(Metadata.Entry entry) => entry.Key.Length + (entry.IsBinary ? entry.ValueBytes.Length * 4 / 3 : entry.Value.Length * 3);
}
