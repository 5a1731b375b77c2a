namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// The EC2 error codes the provider names, each once (as terraform-provider-aws's errors.go): the catalogue, the retry
/// tables and every filter use these, so a typo is a compile error. A constant is the code without its dots.
/// </summary>
public static class Ec2ErrorCodes
{
    public const string AddressLimitExceeded = "AddressLimitExceeded";
    public const string AuthFailure = "AuthFailure";
    public const string DryRunOperation = "DryRunOperation";
    public const string ExpiredToken = "ExpiredToken";
    public const string GatewayNotAttached = "Gateway.NotAttached";
    public const string IncorrectInstanceState = "IncorrectInstanceState";
    public const string InternalError = "InternalError";
    public const string InvalidAddressLocked = "InvalidAddress.Locked";
    public const string InvalidAddressMalformed = "InvalidAddress.Malformed";
    public const string InvalidAddressNotFound = "InvalidAddress.NotFound";
    public const string InvalidAddressPtrSet = "InvalidAddress.PtrSet";
    public const string InvalidAddressIDNotFound = "InvalidAddressID.NotFound";
    public const string InvalidAllocationIDMalformed = "InvalidAllocationID.Malformed";
    public const string InvalidAllocationIDNotFound = "InvalidAllocationID.NotFound";
    public const string InvalidAssociationIDNotFound = "InvalidAssociationID.NotFound";
    public const string InvalidInstanceIDMalformed = "InvalidInstanceID.Malformed";
    public const string InvalidInstanceIDNotFound = "InvalidInstanceID.NotFound";
    public const string InvalidIPAddressInUse = "InvalidIPAddress.InUse";
    public const string InvalidNetworkInterfaceIDMalformed = "InvalidNetworkInterfaceID.Malformed";
    public const string InvalidNetworkInterfaceIDNotFound = "InvalidNetworkInterfaceID.NotFound";
    public const string InvalidParameterCombination = "InvalidParameterCombination";
    public const string InvalidParameterValue = "InvalidParameterValue";
    public const string MissingParameter = "MissingParameter";
    public const string OperationNotPermitted = "OperationNotPermitted";
    public const string RequestExpired = "RequestExpired";
    public const string RequestLimitExceeded = "RequestLimitExceeded";
    public const string RequestThrottled = "RequestThrottled";
    public const string ResourceAlreadyAssociated = "Resource.AlreadyAssociated";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string Throttling = "Throttling";
    public const string ThrottlingException = "ThrottlingException";
    public const string UnauthorizedOperation = "UnauthorizedOperation";
    public const string Unavailable = "Unavailable";

    // Not EC2's: the provider's own codes for a call with no EC2 answer.
    public const string CredentialsUnavailable = "CredentialsUnavailable";
    public const string EndpointUnreachable = "EndpointUnreachable";
}
