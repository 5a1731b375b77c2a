using System.Collections.Frozen;
using System.Net;
using Amazon.EC2;
using Amazon.Runtime;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Retries;

/// <summary>
/// EC2's request throttling, from "Request throttling for the Amazon EC2 API" (EC2 developer guide): a token bucket
/// per account, region and API action. Mutating actions 50 tokens refilled at 5/s, non-mutating (Describe*) 100 at
/// 20/s, CreateTags and DeleteTags 100 at 10/s. An empty bucket answers RequestLimitExceeded (HTTP 503).
/// </summary>
public sealed class Ec2Limits(int maxServerErrorRetries) : ITransientErrors
{
    public static readonly BucketLimit Mutating = new(50, 5);
    public static readonly BucketLimit NonMutating = new(100, 20);
    public static readonly BucketLimit Tagging = new(100, 10);

    public static BucketLimit For(string action) => action switch
    {
        "CreateTags" or "DeleteTags" => Tagging,
        _ when action.StartsWith("Describe", StringComparison.Ordinal) || action.StartsWith("Get", StringComparison.Ordinal) => NonMutating,
        _ => Mutating,
    };

    public string Api => "EC2";

    public string ActionPrefix => "ec2";

    public string RateScaleKey => "publicip:awsRequestRateScale";

    public int MaxServerErrorRetries { get; } = maxServerErrorRetries;

    /// <summary>Throttling, waited out until the operation's deadline (as is any HTTP 503).</summary>
    public static readonly FrozenSet<string> ThrottlingCodes =
        FrozenSet.ToFrozenSet([Ec2ErrorCodes.RequestLimitExceeded, Ec2ErrorCodes.Throttling, Ec2ErrorCodes.ThrottlingException, Ec2ErrorCodes.RequestThrottled], StringComparer.Ordinal);

    /// <summary>Server errors, retried up to awsMaxRetries times (as is any other HTTP 5xx and a call with no answer).</summary>
    public static readonly FrozenSet<string> ServerErrorCodes = FrozenSet.ToFrozenSet([Ec2ErrorCodes.InternalError, Ec2ErrorCodes.Unavailable, Ec2ErrorCodes.ServiceUnavailable], StringComparer.Ordinal);

    public Transient? Classify(Exception e) => e switch
    {
        AmazonServiceException { ErrorCode: { } code } when ThrottlingCodes.Contains(code) => new Transient(TransientKind.Throttled, code),
        AmazonServiceException { StatusCode: HttpStatusCode.ServiceUnavailable } s => new Transient(TransientKind.Throttled, s.ErrorCode ?? "HTTP 503"),
        AmazonServiceException { ErrorCode: { } code } when ServerErrorCodes.Contains(code) => new Transient(TransientKind.ServerError, code),
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } s => new Transient(TransientKind.ServerError, s.ErrorCode ?? $"HTTP {(int)s.StatusCode}"),
        AmazonServiceException => null,
        // No answer at all (connection reset, DNS, the SDK's own per-attempt timeout); not the SDK failing to sign.
        _ when Ec2Diagnostics.IsNoAnswer(e) => new Transient(TransientKind.ServerError, "no answer"),
        _ => null,
    };
}
