using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>What the protocol layer dispatches to for one resource token.</summary>
public interface IResourceType
{
    string Token { get; }

    /// <summary>Its properties as declared: the schema entry and the README tables are written from this.</summary>
    IDeclaration Declaration { get; }

    /// <summary>Top-level output names from the schema; in a preview, any the resource cannot compute stay unknown.</summary>
    IReadOnlyList<string> OutputProperties { get; }

    Task<CheckResult> CheckAsync(ResourceCall call, PropertyMap olds, PropertyMap news);
    Task<DiffResult> DiffAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news, IReadOnlyCollection<string> ignoreChanges);
    Task<CreateResult> CreateAsync(ResourceCall call, PropertyMap inputs);
    Task<ReadResult> ReadAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs);
    Task<PropertyMap> UpdateAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news);
    Task DeleteAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs);
}

/// <summary>A live resource as Read found it; the inputs that reproduce it are derived from the declaration.</summary>
public sealed record Observed<TState>(string Id, TState State);

/// <summary>
/// A resource in one file: its args (what the program says), its state (what the cloud says), their
/// <see cref="Declaration"/> and its lifecycle. Subclasses never see a Struct, a sentinel or a gRPC status.
/// </summary>
public abstract class Resource<TArgs, TState> : IResourceType
    where TArgs : class, new()
    where TState : class, new()
{
    /// <summary>Every property, declared once; mapping, schema, diff rules and import inputs come from it.</summary>
    public abstract Declaration<TArgs, TState> Declaration { get; }

    IDeclaration IResourceType.Declaration => Declaration;

    public string Token => Declaration.Token;
    public IReadOnlyList<string> OutputProperties => Declaration.OutputNames;

    /// <summary>Checks that involve more than one property (conflicts, dependencies); single-property rules are declared.</summary>
    protected virtual void Validate(TArgs args, InputReader reader)
    {
    }

    /// <summary>A replacement that cannot coexist with the old resource (e.g. the same pinned IP) deletes first.</summary>
    protected virtual bool DeleteBeforeReplace(TState oldState, TArgs newArgs) => false;

    protected TArgs ReadArgs(InputReader reader)
    {
        var args = Declaration.ReadArgs(reader);
        Validate(args, reader);
        return args;
    }

    /// <summary>Inputs as they should be stored: the program's own representation plus declared defaults; override for derived ones.</summary>
    protected virtual PropertyMap WithDefaults(PropertyMap news, TArgs args) => Declaration.WithDefaults(news);

    /// <summary>Extra checks that need the cloud or the preview flag (warnings, DryRun); default: none.</summary>
    protected virtual Task CheckWithCloudAsync(ResourceCall call, TArgs args, InputReader reader) => Task.CompletedTask;

    protected TArgs ArgsFromInputs(PropertyMap inputs) => ReadArgs(new InputReader(inputs));
    protected TState ReadState(PropertyMap outputs) => Declaration.ReadState(outputs);
    protected PropertyMap WriteState(TState state) => Declaration.WriteState(state);
    protected PropertyMap WriteArgs(TArgs args) => Declaration.WriteArgs(args);

    protected abstract Task<(string Id, TState State)> CreateAsync(ResourceCall call, TArgs args);

    /// <summary>The outputs a preview can promise; the protocol layer marks the rest unknown.</summary>
    protected virtual Task<PropertyMap> PreviewCreateAsync(ResourceCall call, TArgs args, PropertyMap inputs) => Task.FromResult(inputs);

    protected abstract Task<Observed<TState>?> ReadAsync(ResourceCall call, string id, TState? oldState, TArgs? oldArgs);
    protected abstract Task<TState> UpdateAsync(ResourceCall call, string id, TState oldState, TArgs oldArgs, TArgs newArgs);
    /// <summary>
    /// The outputs an update preview can promise. <paramref name="outputs"/> is the old state with the new inputs
    /// laid over it, so values the update cannot change (an address, its id) stay known and dependents do not
    /// show spurious changes; override to mark what the update does change (e.g. an association) unknown.
    /// </summary>
    protected virtual Task<PropertyMap> PreviewUpdateAsync(ResourceCall call, string id, TState oldState, TArgs oldArgs, TArgs newArgs, PropertyMap news, PropertyMap outputs) =>
        Task.FromResult(outputs);
    protected abstract Task DeleteAsync(ResourceCall call, string id, TState state, TArgs? oldArgs);

    /// <summary>
    /// Sees the next program of a resource in state, at its Diff: `pulumi preview` and `pulumi up` diff every such
    /// resource, also an unchanged one, so what is observed here (e.g. which resources manage one address's
    /// association) is known before any change. Cannot change the diff; default: nothing.
    /// </summary>
    protected virtual Task DiffSeenAsync(ResourceCall call, string id, TState oldState, TArgs newArgs) => Task.CompletedTask;

    /// <summary>Reports a created resource that could not be finished, so the engine keeps it in state.</summary>
    protected ResourceInitFailedException InitFailed(string id, TState state, string reason, Exception? inner = null) =>
        new(id, WriteState(state), [reason], inner);

    async Task<CheckResult> IResourceType.CheckAsync(ResourceCall call, PropertyMap olds, PropertyMap news)
    {
        var reader = new InputReader(news);
        var args = ReadArgs(reader);
        foreach (var unread in reader.UnreadProperties.ToList())
        {
            reader.Fail(unread, $"'{unread}' is not a property of {Token}");
        }
        if (reader.Failures.Count == 0)
        {
            await CheckWithCloudAsync(call, args, reader);
        }
        return new CheckResult(reader.Failures.Count == 0 ? WithDefaults(news, args) : news, reader.Failures);
    }

    async Task<DiffResult> IResourceType.DiffAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news, IReadOnlyCollection<string> ignoreChanges)
    {
        var recorded = oldInputs.Count > 0 ? oldInputs : oldOutputs;
        var olds = Declaration.WithDefaults(recorded);
        news = Declaration.WithDefaults(news);
        foreach (var key in Declaration.ProviderSideInputs.Where(k => !recorded.ContainsKey(k)))
        {
            // Checked inputs always hold it (its default at least): only an import, which cannot read it, leaves it
            // out, and the program's value is then what the adopted resource has.
            olds = news.Get(key) is { } wanted ? olds.Set(key, wanted) : olds.Remove(key);
        }
        await DiffSeenAsync(call, id, ReadState(oldOutputs), ArgsFromInputs(news));
        foreach (var key in Declaration.MatchedInputs)
        {
            var wanted = InputDiff.Plain(news.Get(key));
            if (wanted.IsNull && !Declaration.ComputedInputs.Contains(key))
            {
                continue; // leaving it out is a change (e.g. a disassociate)
            }
            if (wanted.IsNull)
            {
                // Left to the cloud: whatever it chose (and refresh or import read back) is what the program means.
                (olds, news) = (olds.Remove(key), news.Remove(key));
            }
            else if (Equals(wanted, InputDiff.Plain(oldOutputs.Get(key))))
            {
                olds = olds.Set(key, wanted); // naming the value the cloud already has changes nothing
            }
        }
        var diff = InputDiff.Compute(olds, news, Declaration.ReplaceOnChanges, ignoreChanges);
        return diff.Replaces.Any() && DeleteBeforeReplace(ReadState(oldOutputs), ArgsFromInputs(news)) ? diff with { DeleteBeforeReplace = true } : diff;
    }

    async Task<CreateResult> IResourceType.CreateAsync(ResourceCall call, PropertyMap inputs)
    {
        var args = ArgsFromInputs(inputs);
        if (call.Preview)
        {
            return new CreateResult("", await PreviewCreateAsync(call, args, inputs));
        }
        var (id, state) = await CreateAsync(call, args);
        return new CreateResult(id, WriteState(state));
    }

    async Task<ReadResult> IResourceType.ReadAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs)
    {
        var oldState = oldOutputs.Count > 0 ? ReadState(oldOutputs) : null;
        var oldArgs = oldInputs.Count > 0 ? ArgsFromInputs(oldInputs) : null;
        var observed = await ReadAsync(call, id, oldState, oldArgs);
        return observed is null
            ? ReadResult.Gone
            : new ReadResult(observed.Id, WriteState(observed.State), Declaration.ReadBack(observed.State, oldArgs));
    }

    async Task<PropertyMap> IResourceType.UpdateAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news)
    {
        var oldState = ReadState(oldOutputs);
        var oldArgs = ArgsFromInputs(oldInputs.Count > 0 ? oldInputs : oldOutputs);
        var newArgs = ArgsFromInputs(news);
        return call.Preview
            ? await PreviewUpdateAsync(call, id, oldState, oldArgs, newArgs, news, OverlayInputs(WriteState(oldState), WriteArgs(oldArgs), news))
            : WriteState(await UpdateAsync(call, id, oldState, oldArgs, newArgs));
    }

    /// <summary>Old outputs, with every input property (old or new) taking its new value; a removed input becomes null.</summary>
    private static PropertyMap OverlayInputs(PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news)
    {
        var outputs = oldOutputs;
        foreach (var key in oldInputs.Keys.Union(news.Keys, StringComparer.Ordinal))
        {
            outputs = outputs.Set(key, news.Get(key) ?? PropertyValue.Null);
        }
        return outputs;
    }

    Task IResourceType.DeleteAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs) =>
        DeleteAsync(call, id, ReadState(oldOutputs), oldInputs.Count > 0 ? ArgsFromInputs(oldInputs) : null);
}
