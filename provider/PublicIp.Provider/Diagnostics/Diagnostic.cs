using Grpc.Core;
using PublicIp.Protocol.Resources;

namespace PublicIp.Provider.Diagnostics;

public enum DiagnosticSeverity { Warning, Error }

/// <summary>
/// One cloud error code, explained once: what it means in the user's words, what to do about it, and how
/// the provider treats it (the gRPC status a failure maps to; whether waiting can fix it).
/// </summary>
public sealed record DiagnosticEntry(
    string Code,
    string Title,
    StatusCode Status,
    string Remedy,
    bool Retryable = false,
    DiagnosticSeverity Severity = DiagnosticSeverity.Error);

/// <summary>A catalogue entry applied to one address and one resource: the sentence a person reads.</summary>
public sealed record Diagnostic(DiagnosticEntry Entry, string What)
{
    /// <summary>"&lt;what happened&gt;. &lt;remedy&gt; [code]" — the code last so people can search for it.</summary>
    public string Message => $"{What}. {Entry.Remedy} [{Entry.Code}]";

    public ResourceException ToException(Exception? inner = null) => new(Entry.Status, Message, inner);
}

/// <summary>A cloud's error codes, each with its diagnostic.</summary>
public interface IDiagnosticCatalogue
{
    IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; }

    DiagnosticEntry? Find(string code) => Entries.GetValueOrDefault(code);
}
