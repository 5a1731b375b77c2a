namespace PublicIp.Protocol.Resources;

/// <summary>
/// What kind of failure a resource reports, in the user's words; the protocol host turns each kind into the gRPC
/// status the engine receives (<see cref="Host.FailureStatus"/>), so resources never see the protocol.
/// </summary>
public enum FailureKind
{
    /// <summary>An input or setting is wrong; fixing the program or configuration fixes it.</summary>
    InvalidInput,

    /// <summary>The thing named (address, instance, allocation) does not exist where the request looked.</summary>
    NotFound,

    /// <summary>The thing to create exists already (an instance that already has a public IP).</summary>
    AlreadyExists,

    /// <summary>The cloud's current state refuses the step; something has to change there first.</summary>
    FailedPrecondition,

    /// <summary>Another operation on the same thing is in progress; running the operation again later can succeed.</summary>
    Conflict,

    /// <summary>The credentials are valid but not allowed to make the call.</summary>
    PermissionDenied,

    /// <summary>The credentials are missing, wrong or expired.</summary>
    Unauthenticated,

    /// <summary>An account quota or limit is used up.</summary>
    QuotaExceeded,

    /// <summary>The cloud could not be reached or kept failing (throttling, server errors) until the deadline.</summary>
    Unavailable,

    /// <summary>The operation ran out of time waiting for the cloud.</summary>
    DeadlineExceeded,
}
