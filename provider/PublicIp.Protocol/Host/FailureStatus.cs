using Grpc.Core;
using PublicIp.Protocol.Resources;

namespace PublicIp.Protocol.Host;

/// <summary>The one place a resource's <see cref="FailureKind"/> becomes the gRPC status the engine receives.</summary>
public static class FailureStatus
{
    public static StatusCode Of(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => StatusCode.InvalidArgument,
        FailureKind.NotFound => StatusCode.NotFound,
        FailureKind.AlreadyExists => StatusCode.AlreadyExists,
        FailureKind.FailedPrecondition => StatusCode.FailedPrecondition,
        FailureKind.Conflict => StatusCode.Aborted,
        FailureKind.PermissionDenied => StatusCode.PermissionDenied,
        FailureKind.Unauthenticated => StatusCode.Unauthenticated,
        FailureKind.QuotaExceeded => StatusCode.ResourceExhausted,
        FailureKind.Unavailable => StatusCode.Unavailable,
        FailureKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        // A kind added without a mapping is a provider bug, and Internal is how the engine hears of one.
        _ => StatusCode.Internal,
    };

    /// <summary>The status's name, for the generated reference tables (which say what the engine receives).</summary>
    public static string NameOf(FailureKind kind) => Of(kind).ToString();
}
