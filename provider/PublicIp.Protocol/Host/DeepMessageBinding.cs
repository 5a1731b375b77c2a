using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Pulumirpc;

namespace PublicIp.Protocol.Host;

/// <summary>
/// Binds the ResourceProvider methods with request parsers that accept values as deep as the engine can send.
/// Protobuf's default recursion limit (100) stops at maps ~33 deep; Go's, which the engine marshals with, is 10,000.
/// Requests within the default are parsed as usual; a deeper one is re-parsed on a thread with a stack large
/// enough for Go's limit, so no input can overflow the stack. The codec then rejects values too deep for our
/// resources with an error that names the property.
/// </summary>
public sealed class DeepMessageMethodProvider : IServiceMethodProvider<ResourceProviderService>
{
    /// <summary>Go protobuf's default recursion limit: no engine request is deeper.</summary>
    public const int DeepRecursionLimit = 10_000;

    private const int DeepParseStackBytes = 256 * 1024 * 1024;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ResourceProviderService> context) =>
        ResourceProvider.BindService(new DiscoveryBinder(context), null!);

    private sealed class DiscoveryBinder(ServiceMethodProviderContext<ResourceProviderService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var parser = ResourceProvider.Descriptor.FindMethodByName(method.Name).InputType.Parser;
            var requests = Marshallers.Create<TRequest>(
                (message, serialization) => method.RequestMarshaller.ContextualSerializer(message, serialization),
                deserialization => Parse<TRequest>(parser, deserialization.PayloadAsReadOnlySequence(), method.Name));
            var deep = new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
            context.AddUnaryMethod(deep, new List<object>(), (service, request, call) => HandlerFor<TRequest, TResponse>(service, method.Name)(request, call));
        }
    }

    /// <summary>The service's own method for one RPC, found the way the generated code binds it (no reflection).</summary>
    private static UnaryServerMethod<TRequest, TResponse> HandlerFor<TRequest, TResponse>(ResourceProviderService service, string name)
        where TRequest : class where TResponse : class
    {
        var capture = new CaptureBinder(name);
        ResourceProvider.BindService(capture, service);
        return (UnaryServerMethod<TRequest, TResponse>)(capture.Handler ?? throw new InvalidOperationException($"no handler for {name}"));
    }

    private sealed class CaptureBinder(string name) : ServiceBinderBase
    {
        public Delegate? Handler { get; private set; }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (method.Name == name)
            {
                Handler = handler;
            }
        }
    }

    private static T Parse<T>(MessageParser parser, ReadOnlySequence<byte> payload, string rpc)
    {
        try
        {
            return (T)parser.ParseFrom(payload.ToArray());
        }
        catch (InvalidProtocolBufferException)
        {
            // Most likely too deep for the default limit; anything else fails again below with the real reason.
        }
        var bytes = payload.ToArray();
        IMessage? parsed = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var stream = new MemoryStream(bytes, writable: false);
                using var input = CodedInputStream.CreateWithLimits(stream, int.MaxValue, DeepRecursionLimit);
                parsed = parser.ParseFrom(input);
            }
            catch (InvalidProtocolBufferException e)
            {
                failure = e;
            }
        }, DeepParseStackBytes) { IsBackground = true, Name = "deep-request-parse" };
        thread.Start();
        thread.Join();
        if (parsed is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{rpc}: the request is not a valid protobuf message ({Values.Text.Truncate(failure?.Message, 200)}); values may nest at most {DeepRecursionLimit} protobuf levels"));
        }
        return (T)parsed;
    }
}
