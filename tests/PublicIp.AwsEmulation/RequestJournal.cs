using System.Net;

namespace PublicIp.AwsEmulation;

/// <summary>Who produced the answer a call got.</summary>
public enum Ec2Outcome
{
    /// <summary>Moto's answer, passed through (possibly with fields added).</summary>
    Forwarded,
    /// <summary>One of the proxy's AWS rules answered instead of moto.</summary>
    Rule,
    /// <summary>The proxy's own emulation of a call moto lacks answered (e.g. the PTR attribute calls).</summary>
    Emulated,
    /// <summary>A scripted fault answered (before or after forwarding).</summary>
    Fault,
    /// <summary>The action's token bucket was empty: RequestLimitExceeded (<see cref="Ec2Throttling"/>).</summary>
    Throttled,
}

/// <summary>One call and its answer. <see cref="ErrorCode"/> is null for successes.</summary>
public sealed record Ec2JournalEntry(
    long Sequence,
    DateTimeOffset At,
    string Action,
    IReadOnlyDictionary<string, string> Parameters,
    bool DryRun,
    Ec2Outcome Outcome,
    HttpStatusCode Status,
    string? ErrorCode)
{
    /// <summary>The access key id that signed the call (moto's STS issues ASIA… keys), or null when unsigned.</summary>
    public string? AccessKeyId { get; init; }

    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Every EC2 call the proxy answered, in arrival order of the answers. The provider under test runs
/// in another process, so this is how tests see the exact calls it made.
/// </summary>
public sealed class RequestJournal
{
    private readonly List<Ec2JournalEntry> _entries = [];
    private long _sequence;

    public IReadOnlyList<Ec2JournalEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The actions in order, e.g. ["DisassociateAddress", "ReleaseAddress"].</summary>
    public IReadOnlyList<string> Actions => [.. Entries.Select(e => e.Action)];

    public IReadOnlyList<Ec2JournalEntry> For(string action) => [.. Entries.Where(e => e.Action == action)];

    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }

    internal void Record(Ec2Request request, Ec2Outcome outcome, HttpStatusCode status, string? errorCode)
    {
        var entry = new Ec2JournalEntry(
            Interlocked.Increment(ref _sequence), DateTimeOffset.UtcNow, request.Action, request.Parameters,
            request.DryRun, outcome, status, errorCode) { AccessKeyId = request.AccessKeyId };
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }
}
