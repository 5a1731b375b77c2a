using System.Collections.Concurrent;
using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Resources;

/// <summary>
/// Which resources of this provider manage the association of one address (an ElasticIp or EipAddress that names a
/// target, an ElasticIpAssociation or EipAssociation). Two of them on one address undo each other's changes on every
/// update; the provider cannot pick a winner, so the second one to be seen is warned about, once. Lives as long as
/// the provider process, so it sees every resource of one `pulumi up`, `preview` or `refresh`.
/// </summary>
public sealed class AssociationClaims
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _claims = new(StringComparer.Ordinal);

    /// <summary>
    /// Records that the resource of <paramref name="call"/> manages the association of <paramref name="address"/> (its
    /// id), and warns, the first time, when another resource manages it too.
    /// </summary>
    /// <param name="described">The address in the user's words, e.g. "203.0.113.7 (eipalloc-…)".</param>
    /// <param name="remedy">How to keep the association in one place.</param>
    public async Task ClaimAsync(ResourceCall call, string address, string described, string remedy)
    {
        var claimant = Claimant(call);
        var claimants = _claims.GetOrAdd(address, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        if (!claimants.TryAdd(claimant, true))
        {
            return;
        }
        var others = claimants.Keys.Where(c => c != claimant).Order(StringComparer.Ordinal).ToList();
        if (others.Count > 0)
        {
            await call.Log.WarningAsync(
                $"{claimant} and {string.Join(", ", others)} both manage the association of {described}: each update would undo the other's. {remedy}");
        }
    }

    /// <summary>Forgets a resource that no longer manages the association (deleted, or its program names no target now).</summary>
    public void Release(ResourceCall call, string address)
    {
        if (_claims.TryGetValue(address, out var claimants))
        {
            claimants.TryRemove(Claimant(call), out _);
        }
    }

    private static string Claimant(ResourceCall call) => $"{call.Type} '{call.Name}'";
}
