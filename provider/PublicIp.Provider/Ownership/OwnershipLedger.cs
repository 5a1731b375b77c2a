using System.Collections.Concurrent;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Provider.Ownership;

/// <summary>
/// The ids the engine has shown this provider for each URN during this run (Diff, Read, Update, Delete, and our own
/// Creates). Create cannot see the stack's state, but before a create-before-delete replacement the engine always
/// diffs the old resource with the same provider: an address in here is in the stack, never an interrupted create's.
/// </summary>
public sealed class OwnershipLedger
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _ids = new(StringComparer.Ordinal);

    public void Saw(string urn, string? id)
    {
        if (!string.IsNullOrEmpty(urn) && !string.IsNullOrEmpty(id))
        {
            _ids.GetOrAdd(urn, _ => new(StringComparer.Ordinal))[id] = 0;
        }
    }

    public bool IsTracked(string urn, string idOrIp) => _ids.TryGetValue(urn, out var ids) && ids.ContainsKey(idOrIp);
}

/// <summary>A resource type whose calls the ledger witnesses; everything else passes straight through.</summary>
public sealed class WitnessedResource(IResourceType inner, OwnershipLedger ledger) : IResourceType
{
    public string Token => inner.Token;
    public IReadOnlyList<string> OutputProperties => inner.OutputProperties;
    public IDeclaration Declaration => inner.Declaration;

    public Task<CheckResult> CheckAsync(ResourceCall call, PropertyMap olds, PropertyMap news) => inner.CheckAsync(call, olds, news);

    public Task<DiffResult> DiffAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news, IReadOnlyCollection<string> ignoreChanges)
    {
        Saw(call.Urn, id, oldOutputs);
        return inner.DiffAsync(call, id, oldOutputs, oldInputs, news, ignoreChanges);
    }

    public async Task<CreateResult> CreateAsync(ResourceCall call, PropertyMap inputs)
    {
        var created = await inner.CreateAsync(call, inputs);
        Saw(call.Urn, created.Id, created.Outputs);
        return created;
    }

    public Task<ReadResult> ReadAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs)
    {
        Saw(call.Urn, id, oldOutputs);
        return inner.ReadAsync(call, id, oldOutputs, oldInputs);
    }

    public Task<PropertyMap> UpdateAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs, PropertyMap news)
    {
        Saw(call.Urn, id, oldOutputs);
        return inner.UpdateAsync(call, id, oldOutputs, oldInputs, news);
    }

    public Task DeleteAsync(ResourceCall call, string id, PropertyMap oldOutputs, PropertyMap oldInputs)
    {
        Saw(call.Urn, id, oldOutputs);
        return inner.DeleteAsync(call, id, oldOutputs, oldInputs);
    }

    private void Saw(string urn, string id, PropertyMap outputs)
    {
        ledger.Saw(urn, id);
        foreach (var key in new[] { "allocationId", "publicIp", "ipAddress" })
        {
            if (outputs.TryGetValue(key, out var v) && v is StringValue s)
            {
                ledger.Saw(urn, s.Value);
            }
        }
    }
}
