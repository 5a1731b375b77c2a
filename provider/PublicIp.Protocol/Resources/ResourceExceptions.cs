using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>
/// An expected failure and its kind (the protocol host maps the kind to a gRPC status). Anything that escapes as
/// another exception is reported as Internal, which the engine treats as "state may be corrupt": keep that for real bugs.
/// </summary>
public class ResourceException(FailureKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public FailureKind Kind { get; } = kind;
}

/// <summary>
/// The resource exists in the cloud but could not be finished (e.g. allocated but not associated).
/// Reported with the ErrorResourceInitFailed detail so the engine records it and nothing leaks.
/// </summary>
public sealed class ResourceInitFailedException(string id, PropertyMap outputs, IReadOnlyList<string> reasons, Exception? inner = null)
    : Exception(string.Join("; ", reasons), inner)
{
    public string Id { get; } = id;
    public PropertyMap Outputs { get; } = outputs;
    public IReadOnlyList<string> Reasons { get; } = reasons;
}
