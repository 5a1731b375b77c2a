using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// One cloud error code, explained once: what it means in the user's words, what to do about it, and the kind of
/// failure it is. Whether waiting can fix a code is not said here: the retry tables that act on it say so
/// (Ec2WaitFor, AlibabaRetry, Ec2Limits, AlibabaLimits), and the README's "retried?" column is read from them.
/// </summary>
public sealed record DiagnosticEntry(string Code, string Title, FailureKind Kind, string Remedy);

/// <summary>A catalogue entry applied to one address and one resource: the sentence a person reads.</summary>
public sealed record Diagnostic(DiagnosticEntry Entry, string What)
{
    /// <summary>"&lt;what happened&gt;. &lt;remedy&gt; [code]" — the code last so people can search for it.</summary>
    public string Message => $"{What}. {Entry.Remedy} [{Entry.Code}]";

    public ResourceException ToException(Exception? inner = null) => new(Entry.Kind, Message, inner);
}

/// <summary>A cloud's error codes, each with its diagnostic.</summary>
public interface IDiagnosticCatalogue
{
    IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; }

    DiagnosticEntry? Find(string code) => Entries.GetValueOrDefault(code);
}

/// <summary>
/// The one idiom every cloud's failures go through (EC2, STS, Alibaba Cloud), so a resource or the release workflow
/// reads the same way whichever cloud it calls. <c>doing</c> is what the provider was doing, in words that name the
/// address and the resource (EC2 and STS name the IAM action: <see cref="Ec2Diagnostics.Calling"/>,
/// <see cref="StsDiagnostics.Assuming"/>); <c>detail</c> adds what else the person reading it needs to know.
/// </summary>
public abstract class CloudDiagnostics : IDiagnosticCatalogue
{
    public abstract IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; }

    public DiagnosticEntry? Find(string code) => Entries.GetValueOrDefault(code);

    /// <summary>Failures the catalogue explains: the cloud's answers and transport errors, never bugs or cancellation.</summary>
    public abstract bool IsCloudFailure(Exception e);

    /// <summary>The diagnostic for a failed call.</summary>
    public abstract Diagnostic Explain(Exception e, string doing, string? detail = null);

    /// <summary>A diagnostic found without a failed call (a read-only preflight, a state the provider saw itself).</summary>
    public Diagnostic Diagnose(string code, string doing) => new(Entries[code], $"{doing}: {Entries[code].Title}");

    /// <summary>The failure as the exception the engine reports (state is kept: nothing is removed on an error).</summary>
    public ResourceException Fail(Exception e, string doing, string? detail = null) => Explain(e, doing, detail).ToException(e);

    /// <summary>Runs one cloud step; a cloud failure leaves as its diagnostic, anything else (cancellation, bugs) unchanged.</summary>
    public async Task<T> GuardAsync<T>(string doing, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (IsCloudFailure(e))
        {
            throw Fail(e, doing);
        }
    }

    public Task GuardAsync(string doing, Func<Task> step) => GuardAsync<bool>(doing, async () => { await step(); return true; });
}
