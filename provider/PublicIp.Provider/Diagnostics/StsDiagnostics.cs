using System.Net;
using Amazon.Runtime;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using static PublicIp.Provider.Diagnostics.StsErrorCodes;

namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// AWS STS AssumeRole's error codes, explained once. A failure reads
/// "sts:AssumeRole of &lt;role ARN&gt; (hop i of n) failed: &lt;title&gt;. &lt;remedy&gt; [&lt;code&gt;]".
/// The external id, the policy and every credential stay out of the message.
/// </summary>
public sealed class StsDiagnostics : CloudDiagnostics
{
    public static readonly StsDiagnostics Instance = new();

    public override IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; } = new DiagnosticEntry[]
    {
        new(AccessDenied, "the caller may not assume this role", FailureKind.PermissionDenied,
            "The role's trust policy must name the calling principal (see `aws sts get-caller-identity`) and the caller needs sts:AssumeRole on the role; if the trust policy has an sts:ExternalId condition, set externalId to the value the role's owner gave you"),
        new(ExpiredToken, "the credentials that sign the AssumeRole call have expired", FailureKind.Unauthenticated,
            "Renew the base credentials (e.g. `aws sso login`, a fresh awsSessionToken, or the CI identity's token) and run the operation again"),
        new(ExpiredTokenException, "the credentials that sign the AssumeRole call have expired", FailureKind.Unauthenticated,
            "Renew the base credentials (e.g. `aws sso login`, a fresh awsSessionToken, or the CI identity's token) and run the operation again"),
        new(InvalidClientTokenId, "STS does not know the access key that signs the AssumeRole call", FailureKind.Unauthenticated,
            "Check publicip:awsAccessKey / awsProfile (or the AWS_* environment): the key may be deleted, inactive, or from another partition"),
        new(SignatureDoesNotMatch, "STS rejected the signature of the AssumeRole call", FailureKind.Unauthenticated,
            "Check that publicip:awsSecretKey belongs to publicip:awsAccessKey and that this machine's clock is right"),
        new(RegionDisabledException, "STS is not activated in this region for the account", FailureKind.FailedPrecondition,
            "Activate STS for the region in the IAM console (Account settings), or set awsStsEndpoint to an active region's endpoint"),
        new(MalformedPolicyDocument, "the session policy is not a valid IAM policy", FailureKind.InvalidInput,
            "Correct the role's policy setting (a JSON IAM policy document)"),
        new(PackedPolicyTooLarge, "the session policy and tags are too large once packed", FailureKind.InvalidInput,
            "Shorten the role's policy, policyArns or tags"),
        new(ValidationError, "STS rejected a setting of the role to assume", FailureKind.InvalidInput,
            "Check roleArn, sessionName and durationSeconds (it may not exceed the role's maximum session duration, and a role assumed by another role is limited to 3600 s)"),
        new(InvalidIdentityToken, "STS rejected the web identity token", FailureKind.Unauthenticated,
            "Check AWS_WEB_IDENTITY_TOKEN_FILE and that the identity provider is registered in IAM"),
        new(Throttling, "STS throttled the AssumeRole calls, and the SDK's retries ran out", FailureKind.Unavailable,
            "Run the operation again later, or raise publicip:awsMaxRetries"),
        new(EndpointUnreachable, "STS could not be reached", FailureKind.Unavailable,
            "Check publicip:awsStsEndpoint / awsRegion and the network path to STS, then run the operation again"),
    }.ToDictionary(e => e.Code, StringComparer.Ordinal);

    /// <summary>What the provider was doing: assuming <paramref name="roleArn"/>, hop <paramref name="hop"/> of a chain of <paramref name="hops"/>.</summary>
    public static string Assuming(string roleArn, int hop, int hops) =>
        hops > 1 ? $"sts:AssumeRole of {roleArn} (hop {hop} of {hops})" : $"sts:AssumeRole of {roleArn}";

    public override bool IsCloudFailure(Exception e) => Ec2Diagnostics.IsAwsFailure(e);

    /// <summary>The failure of one hop, as the kind and sentence the engine shows.</summary>
    public override Diagnostic Explain(Exception e, string doing, string? detail = null)
    {
        var where = detail is null ? doing : $"{doing} ({detail})";
        switch (e)
        {
            case AmazonServiceException { ErrorCode: { } code } service:
                var known = Find(code);
                var entry = known ?? new DiagnosticEntry(code, "STS answered with an error this provider does not know",
                    service.StatusCode switch
                    {
                        >= HttpStatusCode.InternalServerError => FailureKind.Unavailable,
                        HttpStatusCode.Forbidden => FailureKind.PermissionDenied,
                        HttpStatusCode.Unauthorized => FailureKind.Unauthenticated,
                        _ => FailureKind.FailedPrecondition,
                    },
                    "Look the code up in the STS API reference, then run the operation again");
                // STS's messages name the caller's ARN and the role, which help with trust policies; a SignatureDoesNotMatch
                // also quotes the canonical request (the signing hop's session token among it), which is cut.
                return new Diagnostic(entry, $"{where} failed: {entry.Title} (STS said: {Redactor.WithoutRequestEcho(service.Message)})");
            default:
                var unreachable = Entries[EndpointUnreachable];
                return new Diagnostic(unreachable, $"{where} failed: {unreachable.Title} ({e.GetType().Name})");
        }
    }
}
