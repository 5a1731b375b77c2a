using System.Net;

namespace PublicIp.Alibaba;

/// <summary>An error answer from the Alibaba API ({Code, Message, RequestId, HostId, Recommend}).</summary>
public sealed class AlibabaApiException : Exception
{
    public AlibabaApiException(string code, string errorMessage, string? requestId, string? hostId, string? recommend,
        HttpStatusCode httpStatus, string action, TimeSpan? retryAfter = null)
        : base($"Alibaba Cloud {action} failed: {code} (HTTP {(int)httpStatus}): {errorMessage} RequestId: {requestId ?? "<none>"}")
    {
        Code = code;
        ErrorMessage = errorMessage;
        RequestId = requestId;
        HostId = hostId;
        Recommend = recommend;
        HttpStatus = httpStatus;
        Action = action;
        RetryAfter = retryAfter;
    }

    public string Code { get; }
    public string ErrorMessage { get; }
    public string? RequestId { get; }
    public string? HostId { get; }
    public string? Recommend { get; }
    public HttpStatusCode HttpStatus { get; }
    public string Action { get; }

    /// <summary>The server's x-acs-retry-after hint, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>How many attempts the client made before giving up (1 when it was not retried).</summary>
    public int Attempts { get; internal set; } = 1;

    public bool IsThrottling => Code.Contains("Throttling", StringComparison.Ordinal);

    /// <summary>Errors worth retrying as-is: throttling, temporary unavailability and server faults.</summary>
    public bool IsRetryable =>
        IsThrottling
        || Code.Contains("ServiceUnavailable", StringComparison.Ordinal)
        || Code.Contains("SystemBusy", StringComparison.Ordinal)
        || (int)HttpStatus >= 500;

    public bool IsNotFound => Code.EndsWith(".NotFound", StringComparison.Ordinal) || HttpStatus == HttpStatusCode.NotFound;
}

/// <summary>The request never got an API answer: connection failure, timeout, or an unreadable response.</summary>
public sealed class AlibabaTransportException(string action, string message, bool isTimeout, Exception? inner)
    : Exception($"Alibaba Cloud {action}: {message}", inner)
{
    public string Action { get; } = action;
    public bool IsTimeout { get; } = isTimeout;
    public int Attempts { get; internal set; } = 1;
}
