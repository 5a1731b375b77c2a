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
