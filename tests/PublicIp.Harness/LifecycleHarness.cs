using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Values;

namespace PublicIp.Harness;

/// <summary>A resource as a program declares it.</summary>
public sealed record ResourceSpec(string Type, string Name, PropertyMap Inputs, double TimeoutSeconds = 0, IReadOnlyList<string>? IgnoreChanges = null);

/// <summary>A resource as the engine's state holds it.</summary>
public sealed record StateEntry(string Type, string Name, string Urn, string Id, PropertyMap Inputs, PropertyMap Outputs);

/// <summary>What one engine step did: which RPCs ran, and how the last one ended.</summary>
public sealed record StepResult(
    string Step,
    IReadOnlyList<string> Calls,
    StatusCode Code,
    string? Error,
    IReadOnlyList<Protocol.Resources.CheckFailure> CheckFailures,
    DiffResponse? Diff,
    PropertyMap Outputs,
    string? Id)
{
    public bool Ok => Code == StatusCode.OK && CheckFailures.Count == 0;

    public StepResult EnsureOk()
    {
        if (!Ok)
        {
            throw new InvalidOperationException(
                $"{Step} failed after [{string.Join(", ", Calls)}]: {Code} {Error} {string.Join("; ", CheckFailures.Select(f => f.Property + ": " + f.Reason))}");
        }
        return this;
    }
}

/// <summary>
/// Does what the Pulumi engine does with a resource provider: spawns the published plugin with an engine
/// address, handshakes, configures, and runs preview / up / refresh / import / destroy as the engine's
/// step generator would, keeping a small state so a test reads like a stack's history.
/// </summary>
public sealed class LifecycleHarness : IAsyncDisposable
{
    public const string Stack = "test";
    public const string Project = "publicip-tests";

    private readonly Dictionary<string, StateEntry> _state = new(StringComparer.Ordinal);

    private LifecycleHarness(FakeEngine engine, PluginProcess plugin)
    {
        Engine = engine;
        Plugin = plugin;
    }

    public FakeEngine Engine { get; }
    public PluginProcess Plugin { get; }
    public ResourceProvider.ResourceProviderClient Client => Plugin.Client;
    public IReadOnlyDictionary<string, StateEntry> State => _state;

    /// <param name="flags">Flags the engine puts before the address, e.g. -v=9 --logtostderr.</param>
    public static async Task<LifecycleHarness> StartAsync(IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? flags = null,
        CancellationToken ct = default)
    {
        var engine = await FakeEngine.StartAsync();
        PluginProcess? plugin = null;
        try
        {
            var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
            {
                // The plugin must not pick up the developer's own cloud settings.
                ["AWS_PROFILE"] = environment?.GetValueOrDefault("AWS_PROFILE"),
                ["AWS_CONFIG_FILE"] = environment?.GetValueOrDefault("AWS_CONFIG_FILE") ?? "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                // Nor the developer's Alibaba Cloud CLI profiles (~/.aliyun/config.json), unless a test names a file.
                ["ALIBABA_CLOUD_CONFIG_FILE"] = environment?.GetValueOrDefault("ALIBABA_CLOUD_CONFIG_FILE") ?? "/dev/null",
            };
            plugin = await PluginProcess.StartAsync([.. flags ?? [], engine.Address], env, ct: ct);
            var harness = new LifecycleHarness(engine, plugin);
            await harness.Client.HandshakeAsync(new ProviderHandshakeRequest
            {
                EngineAddress = engine.Address,
                RootDirectory = Path.GetDirectoryName(RepoPaths.ProviderBinary),
                ProgramDirectory = Path.GetTempPath(),
                ConfigureWithUrn = true,
                SupportsViews = true,
                InvokeWithPreview = true,
                AcceptsByteString = true,
            }, cancellationToken: ct);
            await harness.Client.GetPluginInfoAsync(new Empty(), cancellationToken: ct);
            return harness;
        }
        catch
        {
            // A start that fails half-way must not leave its plugin behind.
            if (plugin is not null)
            {
                await plugin.DisposeAsync();
            }
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Started and configured (CheckConfig + Configure must succeed); on any failure the plugin is stopped.</summary>
    public static async Task<LifecycleHarness> StartConfiguredAsync(PropertyMap config, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var harness = await StartAsync(environment);
        try
        {
            (await harness.ConfigureAsync(config)).EnsureOk();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public static string Urn(string type, string name) => $"urn:pulumi:{Stack}::{Project}::{type}::{name}";

    /// <summary>CheckConfig then Configure, as the engine does for the default provider.</summary>
    public async Task<StepResult> ConfigureAsync(PropertyMap config)
    {
        var calls = new List<string>();
        var urn = $"urn:pulumi:{Stack}::{Project}::pulumi:providers:publicip::default";
        try
        {
            calls.Add("CheckConfig");
            var checkedConfig = await Client.CheckConfigAsync(new CheckRequest
            {
                Urn = urn, Olds = new Struct(), News = PropertyCodec.Encode(config), Name = "default", Type = "pulumi:providers:publicip",
            });
            if (checkedConfig.Failures.Count > 0)
            {
                return Result("configure", calls, StatusCode.OK, null, checkedConfig.Failures);
            }
            calls.Add("Configure");
            await Client.ConfigureAsync(new ConfigureRequest
            {
                Args = checkedConfig.Inputs, AcceptSecrets = true, AcceptResources = true, SendsOldInputs = true, SendsOldInputsToDelete = true,
                Urn = urn, Name = "default", Type = "pulumi:providers:publicip", Id = Guid.NewGuid().ToString(),
            });
            return Result("configure", calls, StatusCode.OK, null);
        }
        catch (RpcException e)
        {
            return Result("configure", calls, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>`pulumi preview` for one resource: Check, Diff when it exists, then Create/Update with preview=true.</summary>
    public Task<StepResult> PreviewAsync(ResourceSpec spec) => StepAsync(spec, preview: true);

    /// <summary>`pulumi up` for one resource: Check, Diff, then Create, Update or replace (create-before-delete).</summary>
    public Task<StepResult> UpAsync(ResourceSpec spec) => StepAsync(spec, preview: false);

    private async Task<StepResult> StepAsync(ResourceSpec spec, bool preview)
    {
        var step = preview ? "preview" : "up";
        var calls = new List<string>();
        var urn = Urn(spec.Type, spec.Name);
        _state.TryGetValue(spec.Name, out var existing);
        try
        {
            calls.Add("Check");
            var check = await Client.CheckAsync(new CheckRequest
            {
                Urn = urn, Name = spec.Name, Type = spec.Type,
                Olds = existing is null ? new Struct() : PropertyCodec.Encode(existing.Inputs),
                News = PropertyCodec.Encode(spec.Inputs),
                RandomSeed = Google.Protobuf.ByteString.CopyFrom(new byte[32]),
            });
            if (check.Failures.Count > 0)
            {
                return Result(step, calls, StatusCode.OK, null, check.Failures);
            }
            var inputs = PropertyCodec.Decode(check.Inputs);
            if (existing is null)
            {
                calls.Add("Create");
                var created = await Client.CreateAsync(new CreateRequest
                {
                    Urn = urn, Name = spec.Name, Type = spec.Type, Properties = check.Inputs, Preview = preview, Timeout = spec.TimeoutSeconds,
                });
                var outputs = PropertyCodec.Decode(created.Properties);
                if (!preview)
                {
                    _state[spec.Name] = new StateEntry(spec.Type, spec.Name, urn, created.Id, inputs, outputs);
                }
                return Result(step, calls, StatusCode.OK, null, outputs: outputs, id: created.Id);
            }

            calls.Add("Diff");
            var diffRequest = new DiffRequest
            {
                Id = existing.Id, Urn = urn, Name = spec.Name, Type = spec.Type,
                Olds = PropertyCodec.Encode(existing.Outputs), OldInputs = PropertyCodec.Encode(existing.Inputs), News = check.Inputs,
            };
            diffRequest.IgnoreChanges.AddRange(spec.IgnoreChanges ?? []);
            var diff = await Client.DiffAsync(diffRequest);
            if (diff.Changes != DiffResponse.Types.DiffChanges.DiffSome)
            {
                return Result(step, calls, StatusCode.OK, null, diff: diff, outputs: existing.Outputs, id: existing.Id);
            }
            if (diff.Replaces.Count > 0 && diff.DeleteBeforeReplace && !preview)
            {
                // Delete-before-replace: the old one goes first (and stays in state if that fails), then the new one is created.
                calls.Add("Delete");
                try
                {
                    await DeleteReplacedAsync(existing, spec.TimeoutSeconds);
                }
                catch (RpcException e)
                {
                    return Result(step, calls, e.StatusCode, e.Status.Detail, diff: diff);
                }
                _state.Remove(spec.Name);
                calls.Add("Check");
                var checkAgain = await Client.CheckAsync(new CheckRequest { Urn = urn, Name = spec.Name, Type = spec.Type, Olds = new Struct(), News = PropertyCodec.Encode(spec.Inputs) });
                calls.Add("Create");
                var replacement = await Client.CreateAsync(new CreateRequest
                {
                    Urn = urn, Name = spec.Name, Type = spec.Type, Properties = checkAgain.Inputs, Timeout = spec.TimeoutSeconds,
                });
                _state[spec.Name] = new StateEntry(spec.Type, spec.Name, urn, replacement.Id, PropertyCodec.Decode(checkAgain.Inputs), PropertyCodec.Decode(replacement.Properties));
                return Result(step, calls, StatusCode.OK, null, diff: diff, outputs: PropertyCodec.Decode(replacement.Properties), id: replacement.Id);
            }
            if (diff.Replaces.Count > 0)
            {
                // The engine re-checks with no olds before a replacement, then creates the new one first.
                calls.Add("Check");
                var recheck = await Client.CheckAsync(new CheckRequest { Urn = urn, Name = spec.Name, Type = spec.Type, Olds = new Struct(), News = PropertyCodec.Encode(spec.Inputs) });
                calls.Add("Create");
                var created = await Client.CreateAsync(new CreateRequest
                {
                    Urn = urn, Name = spec.Name, Type = spec.Type, Properties = recheck.Inputs, Preview = preview, Timeout = spec.TimeoutSeconds,
                });
                if (preview)
                {
                    return Result(step, calls, StatusCode.OK, null, diff: diff, outputs: PropertyCodec.Decode(created.Properties), id: created.Id);
                }
                _state[spec.Name] = new StateEntry(spec.Type, spec.Name, urn, created.Id, PropertyCodec.Decode(recheck.Inputs), PropertyCodec.Decode(created.Properties));
                calls.Add("Delete");
                try
                {
                    await DeleteReplacedAsync(existing, spec.TimeoutSeconds);
                }
                catch (RpcException e)
                {
                    // The engine keeps the old one as pending-delete; so do we, under a derived name.
                    _state[spec.Name + "#pending-delete"] = existing;
                    return Result(step, calls, e.StatusCode, e.Status.Detail, diff: diff);
                }
                return Result(step, calls, StatusCode.OK, null, diff: diff, outputs: PropertyCodec.Decode(created.Properties), id: created.Id);
            }
            calls.Add("Update");
            var updateRequest = new UpdateRequest
            {
                Id = existing.Id, Urn = urn, Name = spec.Name, Type = spec.Type,
                Olds = PropertyCodec.Encode(existing.Outputs), OldInputs = PropertyCodec.Encode(existing.Inputs), News = check.Inputs,
                Preview = preview, Timeout = spec.TimeoutSeconds,
            };
            updateRequest.IgnoreChanges.AddRange(spec.IgnoreChanges ?? []);
            var updated = await Client.UpdateAsync(updateRequest);
            var updatedOutputs = PropertyCodec.Decode(updated.Properties);
            if (!preview)
            {
                _state[spec.Name] = existing with { Inputs = inputs, Outputs = updatedOutputs };
            }
            return Result(step, calls, StatusCode.OK, null, diff: diff, outputs: updatedOutputs, id: existing.Id);
        }
        catch (RpcException e)
        {
            var partial = InitFailure(e);
            if (partial is not null && !preview)
            {
                // ErrorResourceInitFailed: the engine records the resource so nothing leaks.
                var inputs = existing?.Inputs ?? spec.Inputs;
                _state[spec.Name] = new StateEntry(spec.Type, spec.Name, urn, partial.Id.Length > 0 ? partial.Id : existing?.Id ?? "", inputs, PropertyCodec.Decode(partial.Properties));
            }
            return Result(step, calls, e.StatusCode, e.Status.Detail, id: partial?.Id);
        }
    }

    private async Task DeleteReplacedAsync(StateEntry old, double timeoutSeconds) =>
        await Client.DeleteAsync(new DeleteRequest
        {
            Id = old.Id, Urn = old.Urn, Name = old.Name, Type = old.Type,
            Properties = PropertyCodec.Encode(old.Outputs), OldInputs = PropertyCodec.Encode(old.Inputs), Timeout = timeoutSeconds,
        });

    /// <summary>`pulumi refresh` for one resource: Read; an empty id drops it from state.</summary>
    public async Task<StepResult> RefreshAsync(string name)
    {
        var entry = _state[name];
        try
        {
            var read = await Client.ReadAsync(new ReadRequest
            {
                Id = entry.Id, Urn = entry.Urn, Name = entry.Name, Type = entry.Type,
                Properties = PropertyCodec.Encode(entry.Outputs), Inputs = PropertyCodec.Encode(entry.Inputs),
            });
            if (read.Id.Length == 0)
            {
                _state.Remove(name);
                return Result("refresh", ["Read"], StatusCode.OK, null);
            }
            var outputs = PropertyCodec.Decode(read.Properties);
            _state[name] = entry with { Id = read.Id, Outputs = outputs, Inputs = PropertyCodec.Decode(read.Inputs) };
            return Result("refresh", ["Read"], StatusCode.OK, null, outputs: outputs, id: read.Id);
        }
        catch (RpcException e)
        {
            return Result("refresh", ["Read"], e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>`pulumi import`: Read with only the id, then Check of the read inputs.</summary>
    public async Task<StepResult> ImportAsync(string type, string name, string id)
    {
        var urn = Urn(type, name);
        var calls = new List<string> { "Read" };
        try
        {
            var read = await Client.ReadAsync(new ReadRequest { Id = id, Urn = urn, Name = name, Type = type });
            if (read.Id.Length == 0)
            {
                return Result("import", calls, StatusCode.NotFound, $"{id} does not exist");
            }
            calls.Add("Check");
            var check = await Client.CheckAsync(new CheckRequest { Urn = urn, Name = name, Type = type, Olds = read.Inputs, News = read.Inputs });
            if (check.Failures.Count > 0)
            {
                return Result("import", calls, StatusCode.OK, null, check.Failures);
            }
            var outputs = PropertyCodec.Decode(read.Properties);
            _state[name] = new StateEntry(type, name, urn, read.Id, PropertyCodec.Decode(check.Inputs), outputs);
            return Result("import", calls, StatusCode.OK, null, outputs: outputs, id: read.Id);
        }
        catch (RpcException e)
        {
            return Result("import", calls, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>
    /// `pulumi up` of a program that gives the resource the `import` option, as the engine's import step runs it: Read
    /// by id (no inputs), Check of the program against the inputs Read returned, Diff against what Read returned. Any
    /// change makes the engine refuse the import ("inputs to import do not match the existing resource"), so the
    /// resource joins the state only on no change, with the program's checked inputs.
    /// </summary>
    public async Task<StepResult> ImportWithProgramAsync(ResourceSpec spec, string id)
    {
        var urn = Urn(spec.Type, spec.Name);
        var calls = new List<string> { "Read" };
        try
        {
            var read = await Client.ReadAsync(new ReadRequest { Id = id, Urn = urn, Name = spec.Name, Type = spec.Type });
            if (read.Id.Length == 0)
            {
                return Result("import", calls, StatusCode.NotFound, $"{id} does not exist");
            }
            calls.Add("Check");
            var check = await Client.CheckAsync(new CheckRequest { Urn = urn, Name = spec.Name, Type = spec.Type, Olds = read.Inputs, News = PropertyCodec.Encode(spec.Inputs) });
            if (check.Failures.Count > 0)
            {
                return Result("import", calls, StatusCode.OK, null, check.Failures);
            }
            calls.Add("Diff");
            var diff = await Client.DiffAsync(new DiffRequest
            {
                Id = read.Id, Urn = urn, Name = spec.Name, Type = spec.Type, Olds = read.Properties, OldInputs = read.Inputs, News = check.Inputs,
            });
            var outputs = PropertyCodec.Decode(read.Properties);
            if (diff.Changes == DiffResponse.Types.DiffChanges.DiffSome)
            {
                return Result("import", calls, StatusCode.FailedPrecondition, "inputs to import do not match the existing resource", diff: diff, outputs: outputs, id: read.Id);
            }
            _state[spec.Name] = new StateEntry(spec.Type, spec.Name, urn, read.Id, PropertyCodec.Decode(check.Inputs), outputs);
            return Result("import", calls, StatusCode.OK, null, diff: diff, outputs: outputs, id: read.Id);
        }
        catch (RpcException e)
        {
            return Result("import", calls, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>`pulumi destroy` for one resource: Delete; the resource leaves state only if Delete succeeded.</summary>
    public async Task<StepResult> DestroyAsync(string name, double timeoutSeconds = 0)
    {
        var entry = _state[name];
        try
        {
            await Client.DeleteAsync(new DeleteRequest
            {
                Id = entry.Id, Urn = entry.Urn, Name = entry.Name, Type = entry.Type,
                Properties = PropertyCodec.Encode(entry.Outputs), OldInputs = PropertyCodec.Encode(entry.Inputs), Timeout = timeoutSeconds,
            });
            _state.Remove(name);
            return Result("destroy", ["Delete"], StatusCode.OK, null, id: entry.Id);
        }
        catch (RpcException e)
        {
            return Result("destroy", ["Delete"], e.StatusCode, e.Status.Detail, id: entry.Id);
        }
    }

    /// <summary>Puts a resource into state directly, e.g. to replay a state file from an older stack.</summary>
    public void Adopt(StateEntry entry) => _state[entry.Name] = entry;

    /// <summary>`pulumi state delete`: the stack forgets the resource, the cloud keeps it.</summary>
    public void Forget(string name) => _state.Remove(name);

    public static ErrorResourceInitFailed? InitFailure(RpcException e)
    {
        var status = e.GetRpcStatus();
        return status?.Details.Select(d => d.TryUnpack<ErrorResourceInitFailed>(out var f) ? f : null).FirstOrDefault(f => f is not null);
    }

    private static StepResult Result(string step, IReadOnlyList<string> calls, StatusCode code, string? error,
        IEnumerable<Pulumirpc.CheckFailure>? failures = null, DiffResponse? diff = null, PropertyMap? outputs = null, string? id = null) =>
        new(step, calls, code, error,
            (failures ?? []).Select(f => new Protocol.Resources.CheckFailure(f.Property, f.Reason)).ToList(),
            diff, outputs ?? PropertyMap.Empty, id);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Plugin.DisposeAsync();
        }
        finally
        {
            await Engine.DisposeAsync();
        }
    }
}
