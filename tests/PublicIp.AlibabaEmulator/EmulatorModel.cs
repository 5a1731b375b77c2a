namespace PublicIp.AlibabaEmulator;

/// <summary>A clock tests move by hand; the emulator and the client can share it.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}

/// <summary>A key the emulator accepts; with SecurityToken set it behaves as an STS credential and demands that token.</summary>
public sealed record EmulatorCredential(string AccessKeyId, string AccessKeySecret, string? SecurityToken = null)
{
    public override string ToString() => $"EmulatorCredential {{ AccessKeyId = {AccessKeyId} }}";
}

public sealed record AlibabaEmulatorOptions
{
    /// <summary>The emulator's notion of now: signatures' timestamps, EIP transitions and the 6-hour rule use it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public IReadOnlyList<EmulatorCredential> Credentials { get; init; } = [new("testid", "testsecret")];

    /// <summary>Known regions; a RegionId outside them is InvalidRegionId.NotFound.</summary>
    public IReadOnlyList<string> Regions { get; init; } = ["cn-beijing", "cn-hangzhou"];

    public TimeSpan AssociateDuration { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan UnassociateDuration { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan ReleaseDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often one instance may have its public IP released (OperationTimesOverLimit beyond).</summary>
    public int PublicIpReleaseQuota { get; init; } = 3;

    /// <summary>
    /// How long STS AssumeRole sessions live; null gives the DurationSeconds asked for (900-43200 s, as STS enforces).
    /// Tests shorten it to see a session end in seconds.
    /// </summary>
    public TimeSpan? StsSessionLifetime { get; init; }

    /// <summary>
    /// The credentials STS AssumeRole issues, one call each (null: an STS.-prefixed key, a secret and a CAIS token of
    /// random hex). Canary tests issue values they can search the provider's output for, '/', '+' and '=' included.
    /// </summary>
    public Func<EmulatorCredential>? IssueStsCredential { get; init; }

    /// <summary>
    /// Follow the API reference to the letter: a parameter the reference calls "not yet available" is ignored, as
    /// a cloud that implements only the reference would. ReleasePublicIpAddress's DryRun is one: in strict mode a
    /// "DryRun" release really releases the address.
    /// </summary>
    public bool FollowReferenceStrictly { get; init; }

    /// <summary>How far a signed timestamp may be from the emulator clock (Alibaba allows 15 minutes).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(15);
}

public static class InstanceStatus
{
    public const string Running = "Running";
    public const string Stopped = "Stopped";
    public const string Starting = "Starting";
    public const string Stopping = "Stopping";
    public const string Pending = "Pending";
}

public static class EipStatus
{
    public const string Available = "Available";
    public const string Associating = "Associating";
    public const string InUse = "InUse";
    public const string Unassociating = "Unassociating";
    public const string Releasing = "Releasing";
}

/// <summary>An ECS instance as the emulator holds it; used both to seed the world and to read it back.</summary>
public sealed record EmulatorInstance(string InstanceId)
{
    public string RegionId { get; init; } = "cn-beijing";

    /// <summary>"classic" or "vpc".</summary>
    public string InstanceNetworkType { get; init; } = "classic";

    public string? VpcId { get; init; }
    public string Status { get; init; } = InstanceStatus.Running;
    public int InternetMaxBandwidthOut { get; init; } = 5;

    /// <summary>Null at seeding means "now on the emulator clock".</summary>
    public DateTimeOffset? CreationTime { get; init; }

    public bool SecurityLocked { get; init; }

    /// <summary>The classic-network public IP (AllocatePublicIpAddress).</summary>
    public string? PublicIpAddress { get; init; }

    /// <summary>A VPC instance's NAT (fixed) public IP, given at creation.</summary>
    public string? NatPublicIpAddress { get; init; }

    /// <summary>Models addresses that Alibaba will release only together with their instance id (InvalidIpAddress.NeedInstanceId).</summary>
    public bool ReleaseRequiresInstanceId { get; init; }

    public int PublicIpReleases { get; init; }
    public string? EipAllocationId { get; init; }
}

/// <summary>An EIP as the emulator holds it. PendingUntil is set while a transition (…ing status) runs.</summary>
public sealed record EmulatorEip(string AllocationId, string IpAddress)
{
    public string RegionId { get; init; } = "cn-beijing";
    public string Status { get; init; } = EipStatus.Available;
    public string? InstanceId { get; init; }
    public string? InstanceType { get; init; }
    public string? PrivateIpAddress { get; init; }
    public int Bandwidth { get; init; } = 5;
    public string InternetChargeType { get; init; } = "PayByBandwidth";

    /// <summary>"PostPaid" or "PrePaid".</summary>
    public string ChargeType { get; init; } = "PostPaid";

    public string ISP { get; init; } = "BGP";
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string ResourceGroupId { get; init; } = "rg-acfmdefault";
    public bool DeletionProtection { get; init; }
    public bool SecurityLocked { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset AllocationTime { get; init; }
    public DateTimeOffset? PendingUntil { get; init; }

    /// <summary>The ClientToken of the call that started the running transition (LastTokenProcessing).</summary>
    public string? PendingToken { get; init; }
}

public enum EmulatorSignatureVersion
{
    Acs3HmacSha256,
    RpcV1,
}

/// <summary>One request as the emulator saw it. Parameters are the API's own (no common v1 parameters).</summary>
public sealed record EmulatorRequest(
    string? Action,
    IReadOnlyDictionary<string, string> Parameters,
    EmulatorSignatureVersion? SignatureVersion,
    string HttpMethod,
    string? AccessKeyId,
    string? Nonce,
    int Status,
    string? ErrorCode);

/// <summary>An error the emulator answers with, shaped as Alibaba's JSON error.</summary>
public sealed class EmulatorErrorException(int status, string code, string message, int? retryAfterMs = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public int? RetryAfterMs { get; } = retryAfterMs;
}
