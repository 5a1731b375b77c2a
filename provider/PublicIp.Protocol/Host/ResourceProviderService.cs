using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using Text = PublicIp.Protocol.Values.Text;
using CheckFailure = Pulumirpc.CheckFailure;
using Status = Google.Rpc.Status;

namespace PublicIp.Protocol.Host;

/// <summary>
/// Pulumi's ResourceProvider gRPC service over an <see cref="IProvider"/>: codec, secrets, previews,
/// timeouts, cancellation and the mapping of failures to the status codes the engine understands.
/// </summary>
public sealed class ResourceProviderService(IProvider provider, EngineConnection engine, ProviderLifetime lifetime, ProviderSecrets secrets)
    : ResourceProvider.ResourceProviderBase
{
    public override Task<ProviderHandshakeResponse> Handshake(ProviderHandshakeRequest request, ServerCallContext context)
    {
        AttachEngine(request.EngineAddress, "engineAddress");
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
        AttachEngine(request.Address, "address");
        return Task.FromResult(new Empty());
    }

    private void AttachEngine(string address, string field)
    {
        if (!EngineAddress.TryParse(address, out var uri, out var problem))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"'{field}' {problem}"));
        }
        if (uri is not null)
        {
            engine.Attach(uri);
        }
    }

    public override Task<PluginInfo> GetPluginInfo(Empty request, ServerCallContext context) =>
        Task.FromResult(new PluginInfo { Version = provider.Version });

    public override Task<GetSchemaResponse> GetSchema(GetSchemaRequest request, ServerCallContext context)
    {
        if (request.SubpackageName.Length > 0)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"{provider.Name} has no sub-package {Text.Quote(request.SubpackageName)}"));
        }
        return Task.FromResult(new GetSchemaResponse { Schema = provider.Schema });
    }

    public override Task<ParameterizeResponse> Parameterize(ParameterizeRequest request, ServerCallContext context) =>
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, $"{provider.Name} is not a parameterized provider"));

    public override Task<GetMappingResponse> GetMapping(GetMappingRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMappingResponse { Provider = "", Data = ByteString.Empty });

    public override Task<GetMappingsResponse> GetMappings(GetMappingsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetMappingsResponse());

    /// <summary>
    /// A lookup: arguments are checked like inputs (failures name the argument, redacted and bounded), the call runs
    /// under the provider's Invoke timeout and the engine's cancellation, and a secret argument makes every value of
    /// the result secret (which address a secret names is itself secret).
    /// </summary>
    public override async Task<InvokeResponse> Invoke(InvokeRequest request, ServerCallContext context)
    {
        var redactor = CallRedactor(request.Args);
        if (!provider.Functions.TryGetValue(request.Tok, out var function))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"{provider.Name} has no function {Text.Quote(request.Tok)}"));
        }
        var timeout = provider.DefaultTimeout("Invoke");
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token, context.CancellationToken, deadline.Token);
        var call = new ResourceCall("", request.Tok, request.Tok, request.Preview, timeout, Redacting(engine.For(""), redactor), linked.Token, "Invoke", DateTimeOffset.UtcNow);
        var response = new InvokeResponse { Return = new Struct() };
        await Guard("Invoke", request.Tok, redactor, async () =>
        {
            PropertyMap args;
            try
            {
                args = PropertyCodec.Decode(request.Args);
            }
            catch (PropertyValueException e)
            {
                response.Failures.Add(new CheckFailure { Property = e.TopLevelProperty, Reason = Text.Truncate(redactor.Redact(e.Message)) });
                return;
            }
            var result = await function.InvokeAsync(call, args);
            response.Failures.AddRange(result.Failures.Select(f => new CheckFailure { Property = Text.Truncate(f.Property, 200), Reason = Text.Truncate(redactor.Redact(f.Reason)) }));
            var returned = args.Values.Any(v => v.ContainsSecrets)
                ? PropertyMap.From(result.Return.Select(kv => KeyValuePair.Create(kv.Key, kv.Value is SecretValue || kv.Value.IsNull ? kv.Value : new SecretValue(kv.Value))))
                : result.Return;
            response.Return = PropertyCodec.Encode(returned);
        }, deadline, timeout);
        return response;
    }

    public override Task<Empty> Cancel(Empty request, ServerCallContext context)
    {
        lifetime.CancelAll();
        return Task.FromResult(new Empty());
    }

    public override async Task<CheckResponse> CheckConfig(CheckRequest request, ServerCallContext context)
    {
        CheckResponse response = null!;
        var redactor = CallRedactor(request.Olds, request.News);
        await Guard("CheckConfig", request.Urn, redactor, () =>
        {
            response = CheckOrFailure(redactor, () => ToResponse(provider.CheckConfig(PropertyCodec.Decode(request.Olds), PropertyCodec.Decode(request.News)), redactor));
            return Task.CompletedTask;
        });
        return response;
    }

    public override async Task<DiffResponse> DiffConfig(DiffRequest request, ServerCallContext context)
    {
        DiffResponse response = null!;
        await Guard("DiffConfig", request.Urn, CallRedactor(request.Olds, request.OldInputs, request.News), () =>
        {
            var olds = PropertyCodec.Decode(request.OldInputs.Fields.Count > 0 ? request.OldInputs : request.Olds);
            response = ToResponse(InputDiff.Compute(olds, PropertyCodec.Decode(request.News), provider.ConfigReplaceOnChanges, request.IgnoreChanges));
            return Task.CompletedTask;
        });
        return response;
    }

    public override async Task<ConfigureResponse> Configure(ConfigureRequest request, ServerCallContext context)
    {
        var redactor = CallRedactor(request.Args);
        await Guard("Configure", request.Urn ?? "", redactor, () =>
        {
            var args = PropertyCodec.Decode(request.Args);
            if (args.Count == 0 && request.Variables.Count > 0)
            {
                args = ConfigFromVariables(request.Variables);
            }
            // Before the provider sees them: from here on no message can show this configuration's secrets.
            secrets.Add(Redactor.SecretStrings(request.Args).Concat(provider.SecretValues(args)));
            return provider.ConfigureAsync(args, Redacting(engine.For(request.Urn ?? ""), secrets.Redactor), context.CancellationToken);
        });
        return new ConfigureResponse { AcceptSecrets = true, AcceptResources = true, AcceptOutputs = true, SupportsPreview = true };
    }

    /// <summary>A Check whose inputs cannot even be decoded fails on the property that is malformed.</summary>
    private static CheckResponse CheckOrFailure(Redactor redactor, Func<CheckResponse> check)
    {
        try
        {
            return check();
        }
        catch (PropertyValueException e)
        {
            // The engine does not use the inputs of a failed Check; echoing a malformed (perhaps huge or deep) value gains nothing.
            var response = new CheckResponse { Inputs = new Struct() };
            response.Failures.Add(new CheckFailure { Property = e.TopLevelProperty, Reason = Text.Truncate(redactor.Redact(e.Message)) });
            return response;
        }
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
        Run("Check", request.Urn, request.Type, preview: true, 0, context, [request.Olds, request.News], async (resource, call, redactor) =>
        {
            PropertyMap olds, news;
            try
            {
                olds = PropertyCodec.Decode(request.Olds);
                news = PropertyCodec.Decode(request.News);
            }
            catch (PropertyValueException e)
            {
                return CheckOrFailure(redactor, () => throw e);
            }
            return ToResponse(await resource.CheckAsync(call, olds, news), redactor);
        });

    public override Task<DiffResponse> Diff(DiffRequest request, ServerCallContext context) =>
        Run("Diff", request.Urn, request.Type, preview: true, 0, context, [request.Olds, request.OldInputs, request.News], async (resource, call, _) =>
            ToResponse(await resource.DiffAsync(call, request.Id, PropertyCodec.Decode(request.Olds),
                PropertyCodec.Decode(request.OldInputs), PropertyCodec.Decode(request.News), request.IgnoreChanges)));

    public override Task<CreateResponse> Create(CreateRequest request, ServerCallContext context) =>
        Run("Create", request.Urn, request.Type, request.Preview, request.Timeout, context, [request.Properties], async (resource, call, _) =>
        {
            var inputs = Known(PropertyCodec.Decode(request.Properties), call, "properties");
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
        Run("Read", request.Urn, request.Type, preview: false, request.Timeout, context, [request.Properties, request.Inputs], async (resource, call, _) =>
        {
            var oldOutputs = Known(PropertyCodec.Decode(request.Properties), call, "properties");
            var oldInputs = Known(PropertyCodec.Decode(request.Inputs), call, "inputs");
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
        Run("Update", request.Urn, request.Type, request.Preview, request.Timeout, context, [request.Olds, request.OldInputs, request.News], async (resource, call, _) =>
        {
            var news = Known(PropertyCodec.Decode(request.News), call, "news");
            var outputs = await resource.UpdateAsync(call, request.Id, Known(PropertyCodec.Decode(request.Olds), call, "olds"),
                Known(PropertyCodec.Decode(request.OldInputs), call, "oldInputs"), news);
            return new UpdateResponse { Properties = PropertyCodec.Encode(Finish(resource, call, KeepSecrets(outputs, news, PropertyCodec.Decode(request.Olds)))) };
        });

    public override Task<Empty> Delete(DeleteRequest request, ServerCallContext context) =>
        Run("Delete", request.Urn, request.Type, preview: false, request.Timeout, context, [request.Properties, request.OldInputs], async (resource, call, _) =>
        {
            await resource.DeleteAsync(call, request.Id, Known(PropertyCodec.Decode(request.Properties), call, "properties"),
                Known(PropertyCodec.Decode(request.OldInputs), call, "oldInputs"));
            return new Empty();
        });

    /// <summary>
    /// Outside a preview every value is known: the engine resolves outputs before it applies a step. An unknown
    /// there is malformed input, and passing it on would make a resource send a sentinel to a cloud.
    /// </summary>
    private static PropertyMap Known(PropertyMap values, ResourceCall call, string field)
    {
        if (!call.Preview && values.FirstOrDefault(kv => kv.Value.ContainsUnknowns) is { Key: { } name })
        {
            throw new ResourceException(FailureKind.InvalidInput,
                $"'{Text.Truncate(name, 120)}' in {field} is unknown, but unknown values are only allowed in a preview");
        }
        return values;
    }

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

    /// <summary>
    /// An output whose same-named input (or previous output) was secret stays secret, and so does any output that
    /// carries a secret input's value (publicIp is the secret address): what derives from a secret is secret.
    /// </summary>
    public static PropertyMap KeepSecrets(PropertyMap outputs, params PropertyMap[] references)
    {
        var secretStrings = references.SelectMany(Redactor.SecretStrings).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in outputs.ToList())
        {
            if (value is SecretValue || value.IsNull)
            {
                continue;
            }
            if (references.Any(r => r.Get(key) is { ContainsSecrets: true }) || Redactor.Mentions(value, secretStrings))
            {
                outputs = outputs.Set(key, new SecretValue(value));
            }
        }
        return outputs;
    }

    /// <summary>The process's secrets plus every secret value in this call's property bags.</summary>
    private Redactor CallRedactor(params Struct?[] bags) => secrets.Redactor.With(Redactor.SecretStrings(bags));

    private static IResourceLog Redacting(IResourceLog log, Redactor redactor) => new RedactingLog(log, redactor);

    /// <summary>Every line a resource logs (debug, status, warnings) passes through the call's redactor.</summary>
    private sealed class RedactingLog(IResourceLog inner, Redactor redactor) : IResourceLog
    {
        public Task DebugAsync(string message) => inner.DebugAsync(redactor.Redact(message));
        public Task InfoAsync(string message) => inner.InfoAsync(redactor.Redact(message));
        public Task WarningAsync(string message) => inner.WarningAsync(redactor.Redact(message));
        public Task ErrorAsync(string message) => inner.ErrorAsync(redactor.Redact(message));
        public Task StatusAsync(string message) => inner.StatusAsync(redactor.Redact(message));
    }

    private async Task<T> Run<T>(string operation, string urn, string type, bool preview, double timeoutSeconds, ServerCallContext context,
        Struct?[] bags, Func<IResourceType, ResourceCall, Redactor, Task<T>> body)
    {
        var redactor = CallRedactor(bags);
        if (type.Length == 0)
        {
            type = TypeFromUrn(urn);
        }
        if (!provider.Resources.TryGetValue(type, out var resource))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"{provider.Name} does not know the resource type {Text.Quote(type)}"));
        }
        var timeout = Timeout(timeoutSeconds, provider.DefaultTimeout(operation));
        var started = DateTimeOffset.UtcNow;
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token, context.CancellationToken, deadline.Token);
        var call = new ResourceCall(urn, ResourceCall.UrnName(urn), type, preview, timeout, Redacting(engine.For(urn), redactor), linked.Token, operation, started);
        T result = default!;
        await Guard(operation, urn, redactor, async () => result = await body(resource, call, redactor), deadline, timeout);
        return result;
    }

    /// <summary>A CancellationTokenSource cannot wait longer than about 24.8 days; a longer customTimeouts means "no limit" to a person.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(24);

    /// <summary>The engine's timeout in seconds (0: the provider's default), clamped to what the runtime can wait.</summary>
    public static TimeSpan Timeout(double seconds, TimeSpan fallback)
    {
        if (double.IsNaN(seconds) || seconds < 0)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument,
                $"'timeout' must be a number of seconds, zero or more, not {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        }
        if (seconds == 0)
        {
            return fallback;
        }
        return seconds >= MaxTimeout.TotalSeconds ? MaxTimeout : TimeSpan.FromSeconds(seconds);
    }

    private async Task Guard(string operation, string urn, Redactor redactor, Func<Task> body, CancellationTokenSource? deadline = null, TimeSpan timeout = default)
    {
        try
        {
            await body();
        }
        catch (ResourceException e)
        {
            throw new RpcException(new Grpc.Core.Status(FailureStatus.Of(e.Kind), Text.Truncate(redactor.Redact(e.Message))));
        }
        catch (PropertyValueException e)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, Text.Truncate(redactor.Redact(e.Message))));
        }
        catch (ResourceInitFailedException e)
        {
            var status = new Status { Code = (int)StatusCode.FailedPrecondition, Message = Text.Truncate(redactor.Redact(e.Message)) };
            status.Details.Add(Any.Pack(InitFailedDetail(e, redactor)));
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
            await Console.Error.WriteLineAsync(Text.Truncate(redactor.Redact($"{operation} {urn} failed with an unexpected error: {e}"), 8000));
            throw new RpcException(new Grpc.Core.Status(StatusCode.Internal,
                Text.Truncate(redactor.Redact($"{operation} failed with an unexpected error in the publicip provider ({e.GetType().Name}: {e.Message}); please report this"))));
        }
    }

    /// <summary>
    /// The detail travels in a trailer, so it must stay small: reasons are cut, and if the outputs are still too
    /// large only the small ones are kept (the id is what lets the engine keep the resource).
    /// </summary>
    private static ErrorResourceInitFailed InitFailedDetail(ResourceInitFailedException e, Redactor redactor)
    {
        const int MaxDetailBytes = 8 * 1024;
        var detail = new ErrorResourceInitFailed { Id = e.Id, Properties = PropertyCodec.Encode(e.Outputs) };
        detail.Reasons.AddRange(e.Reasons.Take(5).Select(r => Text.Truncate(redactor.Redact(r), 500)));
        if (detail.CalculateSize() > MaxDetailBytes)
        {
            var small = new Struct();
            foreach (var (key, value) in detail.Properties.Fields.Where(f => f.Key.Length <= 128 && f.Value.CalculateSize() <= 512))
            {
                small.Fields[key] = value;
            }
            detail.Properties = small;
        }
        return detail;
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

    private static CheckResponse ToResponse(CheckResult result, Redactor redactor)
    {
        var response = new CheckResponse { Inputs = PropertyCodec.Encode(result.Inputs) };
        response.Failures.AddRange(result.Failures.Select(f => new CheckFailure { Property = Text.Truncate(f.Property, 200), Reason = Text.Truncate(redactor.Redact(f.Reason)) }));
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
