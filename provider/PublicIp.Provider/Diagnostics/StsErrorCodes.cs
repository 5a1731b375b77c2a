namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// The AWS STS (AssumeRole) error codes the provider names, each once.
/// </summary>
public static class StsErrorCodes
{
    public const string AccessDenied = "AccessDenied";
    public const string ExpiredToken = "ExpiredToken";
    public const string ExpiredTokenException = "ExpiredTokenException";
    public const string InvalidClientTokenId = "InvalidClientTokenId";
    public const string InvalidIdentityToken = "InvalidIdentityToken";
    public const string MalformedPolicyDocument = "MalformedPolicyDocument";
    public const string PackedPolicyTooLarge = "PackedPolicyTooLarge";
    public const string RegionDisabledException = "RegionDisabledException";
    public const string SignatureDoesNotMatch = "SignatureDoesNotMatch";
    public const string Throttling = "Throttling";
    public const string ValidationError = "ValidationError";

    // Not STS's: the provider's own code for a call with no answer.
    public const string EndpointUnreachable = "EndpointUnreachable";
}
