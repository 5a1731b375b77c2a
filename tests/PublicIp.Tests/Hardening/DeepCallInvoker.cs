using Google.Protobuf;
using Grpc.Core;
using Pulumirpc;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Plays an engine whose protobuf parser accepts Go's recursion limit (10,000) instead of C#'s 100, so a test can
/// read back the deep values the plugin echoes (Check returns its inputs) as the real engine would.
/// </summary>
public sealed class DeepCallInvoker(CallInvoker inner) : CallInvoker
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        inner.AsyncUnaryCall(Deep(method), host, options, request);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        inner.BlockingUnaryCall(Deep(method), host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        inner.AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        inner.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        inner.AsyncDuplexStreamingCall(method, host, options);

    private static Method<TRequest, TResponse> Deep<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class where TResponse : class
    {
        var parser = ResourceProvider.Descriptor.FindMethodByName(method.Name)?.OutputType.Parser;
        if (parser is null)
        {
            return method;
        }
        var responses = Marshallers.Create(
            (TResponse m) => method.ResponseMarshaller.Serializer(m),
            bytes =>
            {
                TResponse? parsed = null;
                // Deep values need a deep stack to parse, as they do in the plugin.
                var thread = new Thread(() =>
                {
                    using var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes), int.MaxValue, 10_000);
                    parsed = (TResponse)parser.ParseFrom(input);
                }, 256 * 1024 * 1024);
                thread.Start();
                thread.Join();
                return parsed!;
            });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, responses);
    }
}
