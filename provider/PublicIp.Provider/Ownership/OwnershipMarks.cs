using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PublicIp.Provider.Ownership;

/// <summary>What an address's marks say about who allocated it.</summary>
/// <param name="UrnHash">The first 32 hex digits of SHA-256 of the URN: fits every cloud's tag value, matches exactly.</param>
/// <param name="Urn">The whole URN when it fits the tag value limit, else null (the hash still matches it).</param>
/// <param name="Stack">"project/stack" from the URN.</param>
/// <param name="CreateToken">One per Create call: tells a retry of the same Create from a second Create of the same URN.</param>
public sealed record OwnershipMark(string UrnHash, string? Urn, string? Stack, string? Name, DateTimeOffset? AllocatedAt, string? CreateToken)
{
    public bool IsFor(string urn) => UrnHash == OwnershipMarks.HashUrn(urn);
}

/// <summary>
/// The tags the provider sets on every address it allocates, in the same call as the allocation, so an address
/// is never in the account without saying which stack and resource it belongs to. Keys share one reserved prefix:
/// programs cannot set them, and Read hides them, so they never collide with user tags or show as a diff.
/// </summary>
public static class OwnershipMarks
{
    public const string Prefix = "publicip:";
    public const string UrnHashKey = "publicip:urn-sha256";
    public const string UrnKey = "publicip:urn";
    public const string StackKey = "publicip:stack";
    public const string NameKey = "publicip:name";
    public const string AllocatedAtKey = "publicip:allocated-at";
    public const string CreateTokenKey = "publicip:create-token";

    /// <summary>Alibaba's tag value limit (EC2 allows 256): the stricter one, so a mark reads the same on both clouds.</summary>
    public const int MaxValueLength = 128;

    public static bool IsMark(string tagKey) => tagKey.StartsWith(Prefix, StringComparison.Ordinal);

    public static string HashUrn(string urn) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(urn)))[..32];

    /// <summary>A fresh token for one Create call, kept across all its retries.</summary>
    public static string NewCreateToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Alibaba's ClientToken for one Create: derived from the URN (so it is recognisable) and the Create's token (so a
    /// create-before-delete replacement of the same URN never gets the old allocation back). ASCII, at most 64 characters.
    /// </summary>
    public static string ClientToken(string urn, string createToken) => $"publicip-{HashUrn(urn)[..24]}-{createToken}";

    /// <summary>The marks for an address Create is about to allocate for <paramref name="urn"/>.</summary>
    public static ImmutableSortedDictionary<string, string> For(string urn, string createToken, DateTimeOffset now)
    {
        var (stack, name) = ParseUrn(urn);
        var marks = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        marks[UrnHashKey] = HashUrn(urn);
        if (urn.Length <= MaxValueLength)
        {
            marks[UrnKey] = urn;
        }
        marks[StackKey] = Fit(stack);
        marks[NameKey] = Fit(name);
        marks[AllocatedAtKey] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        marks[CreateTokenKey] = createToken;
        return marks.ToImmutable();
    }

    /// <summary>The mark an address carries, or null when the provider did not allocate it (or marks were off).</summary>
    public static OwnershipMark? Read(IEnumerable<KeyValuePair<string, string>>? tags)
    {
        var t = (tags ?? []).GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value ?? "", StringComparer.Ordinal);
        if (!t.TryGetValue(UrnHashKey, out var hash) || hash.Length == 0)
        {
            return null;
        }
        DateTimeOffset? at = t.TryGetValue(AllocatedAtKey, out var s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed : null;
        return new OwnershipMark(hash, t.GetValueOrDefault(UrnKey), t.GetValueOrDefault(StackKey), t.GetValueOrDefault(NameKey), at, t.GetValueOrDefault(CreateTokenKey));
    }

    /// <summary>The user's tags: what the cloud reports less our marks, so a Read never shows them as drift.</summary>
    public static ImmutableSortedDictionary<string, string> WithoutMarks(ImmutableSortedDictionary<string, string> tags) =>
        tags.Keys.Any(IsMark) ? tags.RemoveRange(tags.Keys.Where(IsMark).ToList()) : tags;

    /// <summary>The user's tags with our marks laid over them (the prefix is reserved, so nothing is overwritten).</summary>
    public static ImmutableSortedDictionary<string, string> Merge(IReadOnlyDictionary<string, string> userTags, IReadOnlyDictionary<string, string>? marks) =>
        marks is null ? userTags.ToImmutableSortedDictionary(StringComparer.Ordinal) : userTags.Concat(marks).ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>The Check failure for a user tag that uses the reserved prefix, or null.</summary>
    public static string? ReservedKeyProblem(IEnumerable<string> tagKeys) =>
        tagKeys.FirstOrDefault(IsMark) is { } key
            ? $"tag key \"{key}\" uses the prefix \"{Prefix}\", which the provider reserves for its ownership marks; choose another key"
            : null;

    /// <summary>"project/stack" and the resource name of <c>urn:pulumi:stack::project::type::name</c>.</summary>
    public static (string Stack, string Name) ParseUrn(string urn)
    {
        var parts = urn.Split("::");
        if (parts.Length < 4 || !parts[0].StartsWith("urn:pulumi:", StringComparison.Ordinal))
        {
            return ("", urn);
        }
        return ($"{parts[1]}/{parts[0]["urn:pulumi:".Length..]}", parts[^1]);
    }

    private static string Fit(string value) => value.Length <= MaxValueLength ? value : value[..MaxValueLength];

    /// <summary>
    /// Why Create stopped, and the exact commands that adopt or release what an interrupted Create left, for both clouds.
    /// </summary>
    /// <param name="left">How each address left behind reads in a message, newest first.</param>
    /// <param name="sweepRegion">The sweep option naming the region, e.g. "--aws-region us-east-1".</param>
    public static string InterruptedCreateMessage(string urn, IReadOnlyList<string> left, string firstId, string sweepRegion, string? extra = null)
    {
        var (stack, _) = ParseUrn(urn);
        var stackName = stack[(stack.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var one = left.Count == 1;
        return $"{string.Join(", ", left)} carr{(one ? "ies" : "y")} the ownership marks of {urn}, but the stack does not hold {(one ? "it" : "them")}: " +
               $"an interrupted `pulumi up` allocated {(one ? "it" : "them")} and the engine never recorded the id. {extra}" +
               "Nothing was allocated, so nothing is paid for twice. To keep it as this resource: `pulumi config set publicip:interruptedCreates adopt`, then `pulumi up` " +
               $"(or, while `pulumi stack export` still lists the pending create: `pulumi refresh --stack {stackName} --import-pending-creates '{urn}' --import-pending-creates {firstId}`). " +
               "To release it instead: `pulumi config set publicip:interruptedCreates release`, then `pulumi up` " +
               $"(or `pulumi-resource-publicip sweep {sweepRegion} --stack-export <export.json> --release {firstId}`)";
    }
}
