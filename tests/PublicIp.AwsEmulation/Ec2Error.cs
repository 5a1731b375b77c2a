using System.Net;

namespace PublicIp.AwsEmulation;

/// <summary>
/// An EC2 Query API error as AWS sends it. Status codes follow what AWS returns for each code where
/// known; where AWS's status is not documented the choice is noted on the factory.
/// </summary>
public sealed record Ec2Error(HttpStatusCode Status, string Code, string Message)
{
    /// <summary>True for an STS answer, which has STS's own error shape (ErrorResponse/Error/Type, RequestId).</summary>
    public bool Sts { get; init; }

    /// <summary>
    /// The exact body shape EC2 returns: no namespace on Response, RequestID (capital ID) after Errors.
    /// STS's is the Query protocol's ErrorResponse with its namespace.
    /// </summary>
    public string ToXml(Guid requestId) => Sts
        ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
          $"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{EscapeText(Code)}</Code><Message>{EscapeText(Message)}</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>"
        : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
          $"<Response><Errors><Error><Code>{EscapeText(Code)}</Code><Message>{EscapeText(Message)}</Message></Error></Errors><RequestID>{requestId}</RequestID></Response>";

    // Element text needs only &, < and > escaped; AWS leaves quotes and apostrophes as they are,
    // and messages such as "The allocation ID 'x' ..." must reach the SDK unchanged.
    private static string EscapeText(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Bad or unknown credentials. AWS answers 401.</summary>
    public static Ec2Error AuthFailure(string message = "AWS was not able to validate the provided access credentials") =>
        new(HttpStatusCode.Unauthorized, "AuthFailure", message);

    /// <summary>
    /// The address belongs to another account now (released, then allocated by someone else).
    /// Resource-level AuthFailure comes with 400 (seen in public SDK logs), unlike the 401 for bad
    /// credentials. The message matches what terraform-provider-aws keys on ("does not belong to you").
    /// </summary>
    public static Ec2Error AuthFailureNotYours(string allocationId) =>
        new(HttpStatusCode.BadRequest, "AuthFailure", $"The allocation ID '{allocationId}' does not belong to you.");

    /// <summary>
    /// The address is held by a NAT gateway or load balancer. Status 400 as in public SDK logs
    /// ("AuthFailure: You do not have permission to access the specified resource. status code: 400").
    /// </summary>
    public static Ec2Error AuthFailureNoPermission() =>
        new(HttpStatusCode.BadRequest, "AuthFailure", "You do not have permission to access the specified resource.");

    /// <summary>IAM denies the action. AWS answers 403 with an encoded authorization message.</summary>
    public static Ec2Error UnauthorizedOperation(string encodedMessage = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1kZWNpc2lvbg") =>
        new(HttpStatusCode.Forbidden, "UnauthorizedOperation",
            $"You are not authorized to perform this operation. Encoded authorization failure message: {encodedMessage}");

    public static Ec2Error RequestLimitExceeded() =>
        new(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.");

    public static Ec2Error InternalError() =>
        new(HttpStatusCode.InternalServerError, "InternalError", "An internal error has occurred");

    public static Ec2Error Unavailable() =>
        new(HttpStatusCode.ServiceUnavailable, "Unavailable", "The server is overloaded or unable to process the request.");

    public static Ec2Error InvalidAllocationIdNotFound(string allocationId) =>
        new(HttpStatusCode.BadRequest, "InvalidAllocationID.NotFound", $"The allocation ID '{allocationId}' does not exist");

    public static Ec2Error InvalidAssociationIdNotFound(string associationId) =>
        new(HttpStatusCode.BadRequest, "InvalidAssociationID.NotFound", $"The association ID '{associationId}' does not exist");

    public static Ec2Error InvalidNetworkInterfaceIdNotFound(string networkInterfaceId) =>
        new(HttpStatusCode.BadRequest, "InvalidNetworkInterfaceID.NotFound", $"The networkInterface ID '{networkInterfaceId}' does not exist");

    public static Ec2Error InvalidAddressNotFound(string address) =>
        new(HttpStatusCode.BadRequest, "InvalidAddress.NotFound", $"Address '{address}' not found.");

    public static Ec2Error InUse(string publicIp) =>
        new(HttpStatusCode.BadRequest, "InvalidIPAddress.InUse", $"Address {publicIp} is in use.");

    public static Ec2Error PtrSet(string allocationId) =>
        new(HttpStatusCode.BadRequest, "InvalidAddress.PtrSet", $"The address '{allocationId}' has a PTR record set. Reset the reverse DNS record before releasing it.");

    public static Ec2Error Locked(string allocationId) =>
        new(HttpStatusCode.BadRequest, "InvalidAddress.Locked", $"The address '{allocationId}' is locked.");

    public static Ec2Error AddressLimitExceeded() =>
        new(HttpStatusCode.BadRequest, "AddressLimitExceeded", "The maximum number of addresses has been reached.");

    public static Ec2Error MissingParameter(string parameter) =>
        new(HttpStatusCode.BadRequest, "MissingParameter", $"The request must contain the parameter {parameter}");

    /// <summary>The answer to a permitted DryRun call; AWS sends it with 412.</summary>
    public static Ec2Error DryRunOperation() =>
        new(HttpStatusCode.PreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");

    /// <summary>
    /// AllocateAddress of a specific Address the account already holds. AWS documents no code for it; this is the answer of
    /// Eucalyptus's EC2 implementation of address recovery (Corymbia/eucalyptus#212).
    /// </summary>
    public static Ec2Error AddressUnavailable() =>
        new(HttpStatusCode.BadRequest, "InvalidAddressID.NotFound", "The requested IP address does not exist or is unavailable");

    public static Ec2Error InvalidParameterValue(string message) =>
        new(HttpStatusCode.BadRequest, "InvalidParameterValue", message);

    /// <summary>STS AssumeRole refused: the trust policy does not admit the caller (or the external id does not match). 403.</summary>
    public static Ec2Error StsAccessDenied(string callerArn, string roleArn) =>
        new(HttpStatusCode.Forbidden, "AccessDenied", $"User: {callerArn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}") { Sts = true };

    /// <summary>STS refusing a call signed with an expired session. 400 ExpiredToken.</summary>
    public static Ec2Error StsExpiredToken() =>
        new(HttpStatusCode.BadRequest, "ExpiredToken", "The security token included in the request is expired") { Sts = true };

    /// <summary>EC2 refusing a call signed with expired temporary credentials: 400 RequestExpired (what EC2, unlike STS, answers).</summary>
    public static Ec2Error RequestExpired() =>
        new(HttpStatusCode.BadRequest, "RequestExpired", "Request has expired.");
}
