using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>Where a resource sends what a person should read: the engine shows it against the resource's URN.</summary>
public interface IResourceLog
{
    Task DebugAsync(string message);
    Task InfoAsync(string message);
    Task WarningAsync(string message);
    Task ErrorAsync(string message);

    /// <summary>An ephemeral status line (e.g. "waiting for the NAT gateway to let go"), replaced by the next one.</summary>
    Task StatusAsync(string message);
}

/// <summary>
/// The context of one engine call on one resource. <see cref="CancellationToken"/> fires on the engine's
/// Cancel, on the client hanging up, and when <see cref="Timeout"/> has passed since <see cref="Started"/>.
/// </summary>
/// <param name="Operation">The engine call: Create, Read, Update or Delete (remedies name the command that runs it).</param>
/// <param name="Started">When the engine call arrived; with <see cref="Timeout"/> it is the operation's deadline.</param>
public sealed record ResourceCall(
    string Urn,
    string Name,
    string Type,
    bool Preview,
    TimeSpan Timeout,
    IResourceLog Log,
    CancellationToken CancellationToken,
    string Operation = "",
    DateTimeOffset? Started = null)
{
    public static ResourceCall Detached(string urn, string type, IResourceLog log, CancellationToken ct) =>
        new(urn, UrnName(urn), type, false, TimeSpan.FromMinutes(5), log, ct);

    /// <summary>The last URN segment (the resource's name), used when the engine did not send it separately.</summary>
    public static string UrnName(string urn)
    {
        var i = urn.LastIndexOf("::", StringComparison.Ordinal);
        return i < 0 ? urn : urn[(i + 2)..];
    }
}

public sealed record CheckFailure(string Property, string Reason);

public sealed record CheckResult(PropertyMap Inputs, IReadOnlyList<CheckFailure> Failures);

public enum DiffKind { Add, AddReplace, Delete, DeleteReplace, Update, UpdateReplace }

public sealed record DiffResult(
    bool HasChanges,
    IReadOnlyDictionary<string, DiffKind> DetailedDiff,
    bool DeleteBeforeReplace = false)
{
    public IEnumerable<string> Replaces => DetailedDiff
        .Where(kv => kv.Value is DiffKind.AddReplace or DiffKind.DeleteReplace or DiffKind.UpdateReplace)
        .Select(kv => TopLevel(kv.Key)).Distinct(StringComparer.Ordinal);

    public IEnumerable<string> Diffs => DetailedDiff.Keys.Select(TopLevel).Distinct(StringComparer.Ordinal);

    private static string TopLevel(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        return end < 0 ? path : path[..end];
    }
}

public sealed record CreateResult(string Id, PropertyMap Outputs);

/// <summary>The live state of a resource; null <see cref="Id"/> means it is gone.</summary>
public sealed record ReadResult(string? Id, PropertyMap Outputs, PropertyMap Inputs)
{
    public static readonly ReadResult Gone = new(null, PropertyMap.Empty, PropertyMap.Empty);
}
