using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using CheckFailure = Pulumirpc.CheckFailure;
using Status = Google.Rpc.Status;

namespace PublicIp.Protocol.Host;

/// <summary>
/// Pulumi's ResourceProvider gRPC service over an <see cref="IProvider"/>: codec, secrets, previews,
/// timeouts, cancellation and the mapping of failures to the status codes the engine understands.
/// </summary>
public sealed class ResourceProviderService(IProvider provider, EngineConnection engine, ProviderLifetime lifetime)
    : ResourceProvider.ResourceProviderBase
{
    public override Task<ProviderHandshakeResponse> Handshake(ProviderHandshakeRequest request, ServerCallContext context)
    {
        engine.Attach(request.EngineAddress);
        return Task.FromResult(new ProviderHandshakeResponse
        {
            AcceptSecrets = true,
            AcceptResources = true,
            AcceptOutputs = true,
            SupportsAutonamingConfiguration = false,
            // We never send byte strings, so there is nothing to gain from negotiating them.
            AcceptsByteString = false,
        });
    }

    public override Task<Empty> Attach(PluginAttach request, ServerCallContext context)
    {
        engine.Attach(request.Address);
        return Task.FromResult(new Empty());
    }

    public override Task<PluginInfo> GetPluginInfo(Empty request, ServerCallContext context) =>
        Task.FromResult(new PluginInfo { Version = provider.Version });

    public override Task<GetSchemaResponse> GetSchema(GetSchemaRequest request, ServerCallContext context)
    {
        if (request.SubpackageName.Length > 0)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"{provider.Name} has no sub-package '{request.SubpackageName}'"));
        }
        return Task.FromResult(new GetSchemaResponse { Schema = provider.Schema });
    }

    public override Task<ParameterizeResponse> Parameterize(ParameterizeRequest request, ServerCallContext context) =>
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, $"{provider.Name} is not a parameterized provider"));

    public override Task<GetMappingResponse> GetMapping(GetMappingRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMappingResponse { Provider = "", Data = ByteString.Empty });

    public override Task<GetMappingsResponse> GetMappings(GetMappingsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMappingsResponse());

    public override Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context) =>
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, $"{provider.Name} has no function '{request.Tok}'"));

    public override Task<Empty> Cancel(Empty request, ServerCallContext context)
    {
        lifetime.CancelAll();
        return Task.FromResult(new Empty());
    }

    public override Task<CheckResponse> CheckConfig(CheckRequest request, ServerCallContext context)
    {
        var result = provider.CheckConfig(PropertyCodec.Decode(request.Olds), PropertyCodec.Decode(request.News));
        return Task.FromResult(ToResponse(result));
    }

    public override Task<DiffResponse> DiffConfig(DiffRequest request, ServerCallContext context)
    {
        var olds = PropertyCodec.Decode(request.OldInputs.Fields.Count > 0 ? request.OldInputs : request.Olds);
        var diff = InputDiff.Compute(olds, PropertyCodec.Decode(request.News), provider.ConfigReplaceOnChanges, request.IgnoreChanges);
        return Task.FromResult(ToResponse(diff));
    }

    public override async Task<ConfigureResponse> Configure(ConfigureRequest request, ServerCallContext context)
    {
        var args = PropertyCodec.Decode(request.Args);
        if (args.Count == 0 && request.Variables.Count > 0)
        {
            args = ConfigFromVariables(request.Variables);
        }
        await Guard("Configure", request.Urn ?? "", () => provider.ConfigureAsync(args, engine.For(request.Urn ?? ""), context.CancellationToken));
        return new ConfigureResponse { AcceptSecrets = true, AcceptResources = true, AcceptOutputs = true, SupportsPreview = true };
    }

    /// <summary>Old engines send only "pkg:config:key" strings; non-strings arrive JSON-encoded.</summary>
    private PropertyMap ConfigFromVariables(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var prefix = provider.Name + ":config:";
        return PropertyMap.From(variables
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key[prefix.Length..], PropertyValue.Of(kv.Value))));
    }

    public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context) =>
        Run("Check", request.Urn, request.Type, preview: true, 0, context, async (resource, call) =>
            ToResponse(await resource.CheckAsync(call, PropertyCodec.Decode(request.Olds), PropertyCodec.Decode(request.News))));

    public override Task<DiffResponse> Diff(DiffRequest request, ServerCallContext context) =>
        Run("Diff", request.Urn, request.Type, preview: true, 0, context, async (resource, call) =>
            ToResponse(await resource.DiffAsync(call, request.Id, PropertyCodec.Decode(request.Olds),
                PropertyCodec.Decode(request.OldInputs), PropertyCodec.Decode(request.News), request.IgnoreChanges)));

    public override Task<CreateResponse> Create(CreateRequest request, ServerCallContext context) =>
        Run("Create", request.Urn, request.Type, request.Preview, request.Timeout, context, async (resource, call) =>
        {
            var inputs = PropertyCodec.Decode(request.Properties);
            CreateResult result;
            try
            {
                result = await resource.CreateAsync(call, inputs);
            }
            catch (ResourceInitFailedException e)
            {
                throw new ResourceInitFailedException(e.Id, KeepSecrets(e.Outputs, inputs), e.Reasons, e);
            }
            if (!call.Preview && result.Id.Length == 0)
            {
                throw new InvalidOperationException($"{resource.Token} was created without an id");
            }
            var outputs = Finish(resource, call, KeepSecrets(result.Outputs, inputs));
            return new CreateResponse { Id = result.Id, Properties = PropertyCodec.Encode(outputs) };
        });

    public override Task<ReadResponse> Read(ReadRequest request, ServerCallContext context) =>
        Run("Read", request.Urn, request.Type, preview: false, request.Timeout, context, async (resource, call) =>
        {
            var oldOutputs = PropertyCodec.Decode(request.Properties);
            var oldInputs = PropertyCodec.Decode(request.Inputs);
            var result = await resource.ReadAsync(call, request.Id, oldOutputs, oldInputs);
            if (result.Id is null)
            {
                // An empty id tells the engine the resource is gone (refresh drops it; import fails).
                return new ReadResponse { Id = "" };
            }
            return new ReadResponse
            {
                Id = result.Id,
                Properties = PropertyCodec.Encode(Finish(resource, call, KeepSecrets(result.Outputs, oldOutputs, oldInputs))),
                Inputs = PropertyCodec.Encode(KeepSecrets(result.Inputs, oldInputs)),
            };
        });

    public override Task<UpdateResponse> Update(UpdateRequest request, ServerCallContext context) =>
        Run("Update", request.Urn, request.Type, request.Preview, request.Timeout, context, async (resource, call) =>
        {
            var news = PropertyCodec.Decode(request.News);
            var outputs = await resource.UpdateAsync(call, request.Id, PropertyCodec.Decode(request.Olds), PropertyCodec.Decode(request.OldInputs), news);
            return new UpdateResponse { Properties = PropertyCodec.Encode(Finish(resource, call, KeepSecrets(outputs, news))) };
        });

    public override Task<Empty> Delete(DeleteRequest request, ServerCallContext context) =>
        Run("Delete", request.Urn, request.Type, preview: false, request.Timeout, context, async (resource, call) =>
        {
            await resource.DeleteAsync(call, request.Id, PropertyCodec.Decode(request.Properties), PropertyCodec.Decode(request.OldInputs));
            return new Empty();
        });

    /// <summary>
    /// Previews promise only what they know: every schema output the resource did not compute is unknown.
    /// Outside a preview an unknown output would make the engine fail the step, so it is a provider bug.
    /// </summary>
    private static PropertyMap Finish(IResourceType resource, ResourceCall call, PropertyMap outputs)
    {
        if (call.Preview)
        {
            foreach (var name in resource.OutputProperties)
            {
                if (!outputs.ContainsKey(name))
                {
                    outputs = outputs.Set(name, PropertyValue.Unknown());
                }
            }
            return outputs;
        }
        var unknown = outputs.Where(kv => kv.Value.ContainsUnknowns).Select(kv => kv.Key).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{resource.Token} returned unknown outputs outside a preview: {string.Join(", ", unknown)}");
        }
        return outputs;
    }

    /// <summary>An output whose same-named input (or previous output) was secret stays secret.</summary>
    public static PropertyMap KeepSecrets(PropertyMap outputs, params PropertyMap[] references)
    {
        foreach (var (key, value) in outputs.ToList())
        {
            if (value is SecretValue || value.IsNull)
            {
                continue;
            }
            if (references.Any(r => r.Get(key) is { ContainsSecrets: true }))
            {
                outputs = outputs.Set(key, new SecretValue(value));
            }
        }
        return outputs;
    }

    private async Task<T> Run<T>(string operation, string urn, string type, bool preview, double timeoutSeconds, ServerCallContext context,
        Func<IResourceType, ResourceCall, Task<T>> body)
    {
        if (type.Length == 0)
        {
            type = TypeFromUrn(urn);
        }
        if (!provider.Resources.TryGetValue(type, out var resource))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"{provider.Name} does not know the resource type '{type}'"));
        }
        var timeout = timeoutSeconds > 0 ? TimeSpan.FromSeconds(timeoutSeconds) : provider.DefaultTimeout(operation);
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token, context.CancellationToken, deadline.Token);
        var call = new ResourceCall(urn, ResourceCall.UrnName(urn), type, preview, timeout, engine.For(urn), linked.Token);
        T result = default!;
        await Guard(operation, urn, async () => result = await body(resource, call), deadline, timeout);
        return result;
    }

    private async Task Guard(string operation, string urn, Func<Task> body, CancellationTokenSource? deadline = null, TimeSpan timeout = default)
    {
        try
        {
            await body();
        }
        catch (ResourceException e)
        {
            throw new RpcException(new Grpc.Core.Status(e.Code, e.Message));
        }
        catch (ResourceInitFailedException e)
        {
            var detail = new ErrorResourceInitFailed { Id = e.Id, Properties = PropertyCodec.Encode(e.Outputs) };
            detail.Reasons.AddRange(e.Reasons);
            var status = new Status { Code = (int)StatusCode.FailedPrecondition, Message = e.Message };
            status.Details.Add(Any.Pack(detail));
            throw status.ToRpcException();
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !lifetime.Token.IsCancellationRequested)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded,
                $"{operation} did not finish within {timeout.TotalSeconds:0} s (set customTimeouts to allow longer); nothing was removed from the stack's state"));
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.Cancelled, $"{operation} was cancelled; nothing was removed from the stack's state"));
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception e)
        {
            // A bug, not a cloud answer: Internal tells the engine the state may be inconsistent.
            await Console.Error.WriteLineAsync($"{operation} {urn} failed with an unexpected error: {e}");
            throw new RpcException(new Grpc.Core.Status(StatusCode.Internal,
                $"{operation} failed with an unexpected error in the publicip provider ({e.GetType().Name}: {e.Message}); please report this"));
        }
    }

    private static string TypeFromUrn(string urn)
    {
        // urn:pulumi:stack::project::qualified$type::name — the type is the last segment of the qualified type.
        var parts = urn.Split("::");
        if (parts.Length < 4)
        {
            return "";
        }
        var qualified = parts[2];
        var dollar = qualified.LastIndexOf('$');
        return dollar < 0 ? qualified : qualified[(dollar + 1)..];
    }

    private static CheckResponse ToResponse(CheckResult result)
    {
        var response = new CheckResponse { Inputs = PropertyCodec.Encode(result.Inputs) };
        response.Failures.AddRange(result.Failures.Select(f => new CheckFailure { Property = f.Property, Reason = f.Reason }));
        return response;
    }

    private static DiffResponse ToResponse(DiffResult diff)
    {
        var response = new DiffResponse
        {
            Changes = diff.HasChanges ? DiffResponse.Types.DiffChanges.DiffSome : DiffResponse.Types.DiffChanges.DiffNone,
            HasDetailedDiff = true,
            DeleteBeforeReplace = diff.DeleteBeforeReplace,
        };
        response.Replaces.AddRange(diff.Replaces);
        response.Diffs.AddRange(diff.Diffs);
        foreach (var (path, kind) in diff.DetailedDiff)
        {
            response.DetailedDiff[path] = new PropertyDiff { Kind = (PropertyDiff.Types.Kind)(int)kind, InputDiff = true };
        }
        return response;
    }
}
