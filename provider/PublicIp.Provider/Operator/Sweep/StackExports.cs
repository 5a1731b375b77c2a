using System.Text.Json;
using PublicIp.Provider.Ownership;

namespace PublicIp.Provider.Operator.Sweep;

/// <summary>A pending create in a stack: the engine started Create for this URN and never heard back.</summary>
public sealed record PendingCreate(string Stack, string Urn, string Type);

/// <summary>
/// What the given `pulumi stack export` files say: which address ids each stack tracks (any resource whose id or
/// address outputs name it, so addresses of other providers' resources count as tracked too), and which creates are
/// pending. Read with JsonDocument, never bound to types, so exports of any Pulumi version are understood.
/// </summary>
public sealed class StackExports
{
    private static readonly string[] AddressOutputs = ["allocationId", "publicIp", "ipAddress", "id", "eipAddress", "address", "allocation_id", "public_ip"];

    private readonly Dictionary<string, string> _trackedBy = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stacks = new(StringComparer.Ordinal);
    private readonly List<PendingCreate> _pending = [];

    public IReadOnlySet<string> Stacks => _stacks;
    public IReadOnlyList<PendingCreate> Pending => _pending;
    public bool Any => _stacks.Count > 0;

    /// <summary>The stack ("project/stack") that tracks this address id or public IP, or null.</summary>
    public string? TrackedBy(string idOrIp) => _trackedBy.GetValueOrDefault(idOrIp);

    /// <summary>The pending create a mark belongs to, or null.</summary>
    public PendingCreate? PendingFor(OwnershipMark mark) => _pending.FirstOrDefault(p => mark.IsFor(p.Urn));

    public static StackExports Load(IEnumerable<string> paths)
    {
        var exports = new StackExports();
        foreach (var path in paths)
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var doc = JsonDocument.Parse(stream);
                exports.Add(doc.RootElement, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                throw new OperatorUsageException($"cannot read the stack export {path}: {e.Message} (write one with `pulumi stack export --file {Path.GetFileName(path)}`)");
            }
        }
        return exports;
    }

    private void Add(JsonElement root, string path)
    {
        if (!root.TryGetProperty("deployment", out var deployment) || deployment.ValueKind != JsonValueKind.Object)
        {
            throw new OperatorUsageException($"{path} is not a `pulumi stack export` file (it has no \"deployment\")");
        }
        string? stack = null;
        foreach (var resource in Array(deployment, "resources"))
        {
            var urn = Str(resource, "urn");
            if (urn is null)
            {
                continue;
            }
            stack ??= OwnershipMarks.ParseUrn(urn).Stack;
            var owner = OwnershipMarks.ParseUrn(urn).Stack;
            if (Str(resource, "id") is { Length: > 0 } id)
            {
                _trackedBy.TryAdd(id, owner);
            }
            if (resource.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in AddressOutputs)
                {
                    if (Str(outputs, key) is { Length: > 0 } value)
                    {
                        _trackedBy.TryAdd(value, owner);
                    }
                }
            }
        }
        foreach (var op in Array(deployment, "pending_operations"))
        {
            if (op.TryGetProperty("resource", out var resource) && Str(resource, "urn") is { } urn)
            {
                stack ??= OwnershipMarks.ParseUrn(urn).Stack;
                if (Str(op, "type") == "creating")
                {
                    _pending.Add(new PendingCreate(OwnershipMarks.ParseUrn(urn).Stack, urn, Str(resource, "type") ?? ""));
                }
                else if (Str(resource, "id") is { Length: > 0 } id)
                {
                    _trackedBy.TryAdd(id, OwnershipMarks.ParseUrn(urn).Stack);
                }
            }
        }
        if (stack is { Length: > 0 })
        {
            _stacks.Add(stack);
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
