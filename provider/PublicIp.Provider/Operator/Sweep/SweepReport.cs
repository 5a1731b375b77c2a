using System.Text.Json.Serialization;

namespace PublicIp.Provider.Operator.Sweep;

/// <summary>Where an address stands with respect to the given stacks.</summary>
public static class SweepStatus
{
    /// <summary>A given stack tracks it: never released by sweep.</summary>
    public const string Tracked = "tracked";

    /// <summary>Marked for a URN that a given stack has as a pending create: import it, or release it by id.</summary>
    public const string Pending = "pending-create";

    /// <summary>Marked by this provider for a given stack that no longer tracks it.</summary>
    public const string Leaked = "leaked";

    /// <summary>Marked by this provider for a stack whose export was not given: cannot be judged.</summary>
    public const string Unverified = "marked";

    /// <summary>Not allocated by this provider (no marks): someone else's; only released when named by id.</summary>
    public const string Foreign = "foreign";
}

/// <summary>What sweep did (or would do) with an address.</summary>
public static class SweepAction
{
    public const string None = "none";
    public const string WouldRelease = "would-release";
    public const string Released = "released";
    public const string AlreadyGone = "already-gone";
    public const string Failed = "failed";
}

public sealed record SweepRow
{
    public required string Cloud { get; init; }
    public required string Region { get; init; }
    public required string Id { get; init; }
    public required string PublicIp { get; init; }
    public string? AssociatedWith { get; init; }
    public required string Status { get; init; }
    public string? Stack { get; init; }
    public string? Name { get; init; }
    public string? Urn { get; init; }
    public string? TrackedBy { get; init; }
    public DateTimeOffset? AllocatedAt { get; init; }
    public double? AgeHours { get; init; }

    /// <summary>What the address costs per hour while it sits idle (null when it is associated).</summary>
    public decimal? IdleHourlyCostUsd { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public string Action { get; init; } = SweepAction.None;
    public string? Detail { get; init; }

    /// <summary>The command that puts the address back under its stack (pending creates and leaked addresses).</summary>
    public string? AdoptCommand { get; init; }
}

public sealed record SweepSummary(int Addresses, int Tracked, int PendingCreates, int Leaked, int Unverified, int Foreign,
    int Idle, decimal IdleHourlyCostUsd, int WouldRelease, int Released, int Failed, bool DryRun);

public sealed record SweepReport(IReadOnlyList<string> Regions, IReadOnlyList<string> Stacks, IReadOnlyList<SweepRow> Addresses, SweepSummary Summary);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SweepReport))]
internal sealed partial class SweepJson : JsonSerializerContext;
