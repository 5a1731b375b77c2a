using System.Collections.Frozen;
using System.Net;
using PublicIp.Alibaba;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Retries;

/// <summary>
/// Alibaba Cloud's flow control, per endpoint, region and API. Alibaba publishes no fixed per-API table (quotas are per
/// account, in its consoles), so the two numbers here are assumptions with no published source: the provider plans
/// with 20 calls/s (burst 20) for Describe calls and 10/s (burst 10) for changes, and adapts from there to what the
/// API answers. Throttling codes (Throttling, Throttling.User,
/// Throttling.Api, Rejected.Throttling) and ServiceUnavailable are waited out, honouring x-acs-retry-after;
/// SystemBusy, InternalError, other HTTP 5xx and transport failures count as server errors.
/// </summary>
public sealed class AlibabaLimits(int maxServerErrorRetries) : ITransientErrors
{
    public static readonly BucketLimit Describe = new(20, 20);
    public static readonly BucketLimit Change = new(10, 10);

    public static BucketLimit For(string action) => action.StartsWith("Describe", StringComparison.Ordinal) ? Describe : Change;

    public string Api => "Alibaba Cloud";

    public string ActionPrefix => "alibaba";

    public string RateScaleKey => "publicip:alicloudRequestRateScale";

    public int MaxServerErrorRetries { get; } = maxServerErrorRetries;

    /// <summary>Waited out until the operation's deadline like throttling (any code containing "Throttling"), as is any HTTP 503.</summary>
    public static readonly FrozenSet<string> WaitedOutCodes = FrozenSet.ToFrozenSet([AlibabaErrorCodes.ServiceUnavailable], StringComparer.Ordinal);

    /// <summary>Server errors, retried up to alicloudMaxRetries times (as is any other HTTP 5xx and a transport failure).</summary>
    public static readonly FrozenSet<string> ServerErrorCodes = FrozenSet.ToFrozenSet([AlibabaErrorCodes.SystemBusy, AlibabaErrorCodes.InternalError], StringComparer.Ordinal);

    public Transient? Classify(Exception e) => e switch
    {
        AlibabaApiException { IsThrottling: true } a => new Transient(TransientKind.Throttled, a.Code, a.RetryAfter),
        AlibabaApiException a when WaitedOutCodes.Contains(a.Code) => new Transient(TransientKind.Throttled, a.Code, a.RetryAfter),
        AlibabaApiException { HttpStatus: HttpStatusCode.ServiceUnavailable } a => new Transient(TransientKind.Throttled, a.Code, a.RetryAfter),
        AlibabaApiException a when ServerErrorCodes.Contains(a.Code) => new Transient(TransientKind.ServerError, a.Code, a.RetryAfter),
        AlibabaApiException { HttpStatus: >= HttpStatusCode.InternalServerError } a => new Transient(TransientKind.ServerError, a.Code, a.RetryAfter),
        AlibabaTransportException t => new Transient(TransientKind.ServerError, t.IsTimeout ? AlibabaErrorCodes.TransportTimeout : AlibabaErrorCodes.TransportFailure),
        _ => null,
    };
}
