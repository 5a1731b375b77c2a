using PublicIp.Protocol.Values;
using System.Net;
using Amazon.EC2;
using Amazon.Runtime;
using PublicIp.Protocol.Resources;
using static PublicIp.Provider.Diagnostics.Ec2ErrorCodes;

namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// Every EC2 error code the Elastic IP calls can meet, explained once. A failure becomes
/// "ec2:&lt;Action&gt; on &lt;address&gt; of &lt;resource&gt; failed: &lt;title&gt;. &lt;remedy&gt; [&lt;code&gt;]".
/// EC2's own message is only added for codes we do not know, so nothing from a request (credentials
/// included) is ever echoed back; the SDK never puts credentials in an error message.
/// </summary>
public sealed class Ec2Diagnostics : CloudDiagnostics
{
    public static readonly Ec2Diagnostics Instance = new();

    /// <summary>A credential AuthFailure (HTTP 401) is not the resource-level one (HTTP 400) and must not be read as "not ours".</summary>
    public static readonly DiagnosticEntry CredentialsRejected = new(AuthFailure,
        "AWS did not accept the provider's credentials",
        FailureKind.Unauthenticated,
        "Check publicip:awsProfile / awsAccessKey / awsSecretKey / awsSessionToken (or the AWS_* environment) and that a session token has not expired");

    /// <summary>The fallback for a code this catalogue does not know (never Internal: that status means "provider bug").</summary>
    public static DiagnosticEntry Unknown(string code, HttpStatusCode http) => new(code,
        "EC2 answered with an error this provider does not know",
        (int)http switch
        {
            >= 500 => FailureKind.Unavailable,
            401 => FailureKind.Unauthenticated,
            403 => FailureKind.PermissionDenied,
            404 => FailureKind.NotFound,
            _ => FailureKind.FailedPrecondition,
        },
        "Look the code up in the EC2 API error reference; if the stack's inputs are right, retry the operation");

    public override IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; } = new DiagnosticEntry[]
    {
        new(InvalidIPAddressInUse, "the address is still associated with an instance or network interface", FailureKind.FailedPrecondition,
            "The provider disassociates before releasing and retries while EC2 catches up; if this persists, something re-associated the address: find it with `aws ec2 describe-addresses` and remove that association"),
        new(AuthFailure, "EC2 refused access to the address: it now belongs to another account, or a NAT gateway or load balancer still holds it", FailureKind.FailedPrecondition,
            "If a NAT gateway or load balancer uses the address, delete it (or wait until its deletion completes) and run the destroy again"),
        new(InvalidAddressNotFound, "EC2 found no such address in the network border group the request named", FailureKind.NotFound,
            "If `aws ec2 describe-addresses` still lists the address, set networkBorderGroup to the group it shows and run the operation again; otherwise run `pulumi refresh`"),
        new(InvalidAllocationIDNotFound, "EC2 does not know the allocation ID", FailureKind.NotFound,
            "Just after an allocation EC2 may take seconds to see it (retried); otherwise the address was released outside the stack: run `pulumi refresh`"),
        new(InvalidAssociationIDNotFound, "the association no longer exists", FailureKind.NotFound,
            "Nothing to do when disassociating (treated as done); otherwise run `pulumi refresh` to read the current association"),
        new(DryRunOperation, "the call would have succeeded (DryRun)", FailureKind.FailedPrecondition,
            "None: this is how EC2 answers a permission check that passes"),
        new(UnauthorizedOperation, "the provider's credentials are not allowed to perform this action", FailureKind.PermissionDenied,
            "Grant the IAM action named above to the principal the provider runs as; `aws sts decode-authorization-message --encoded-message <message>` shows which policy denied it"),
        new(AddressLimitExceeded, "the account has reached its Elastic IP quota in this region", FailureKind.QuotaExceeded,
            "Release unused Elastic IPs, or request a higher \"EC2-VPC Elastic IPs\" quota in Service Quotas"),
        new(InvalidParameterValue, "EC2 rejected one of the inputs", FailureKind.InvalidInput,
            "Check privateIpAddress (it must be an address of the chosen network interface), the pools, the address and the border group"),
        new(InvalidParameterCombination, "EC2 rejected a combination of inputs", FailureKind.InvalidInput,
            "Set only one of instanceId and networkInterfaceId, and only pools and addresses that belong together"),
        new(MissingParameter, "EC2 expected a parameter that was not sent", FailureKind.InvalidInput,
            "Set instanceId or networkInterfaceId for an association; for a release the state must hold the allocationId (vpc) or publicIp (standard): run `pulumi refresh`"),
        new(RequestLimitExceeded, "EC2 throttled the account's API calls until the operation's deadline", FailureKind.Unavailable,
            "The provider queues for the account's request budget and waits throttling out until the deadline; give it more room: fewer operations at once " +
            "(`pulumi destroy --parallel N` or `pulumi up --parallel N`), longer customTimeouts, or publicip:awsRequestRateScale below 1 if other tools share the account"),
        new(InternalError, "EC2 had an internal error, and the retries (publicip:awsMaxRetries) ran out", FailureKind.Unavailable,
            "Run the operation again; check the AWS Health Dashboard if it persists"),
        new(Unavailable, "EC2 was unavailable until the operation's deadline", FailureKind.Unavailable,
            "Run the operation again; check the AWS Health Dashboard if it persists"),
        new(ServiceUnavailable, "EC2 was unavailable until the operation's deadline", FailureKind.Unavailable,
            "Run the operation again; check the AWS Health Dashboard if it persists"),
        new(InvalidNetworkInterfaceIDNotFound, "EC2 does not know the network interface", FailureKind.NotFound,
            "Right after a NAT gateway is deleted EC2 briefly reports its interface missing (retried); otherwise check networkInterfaceId"),
        new(InvalidAddressPtrSet, "the address has a reverse DNS (PTR) record", FailureKind.FailedPrecondition,
            "Remove the record first (`aws ec2 reset-address-attribute --allocation-id <id> --attribute domain-name`), then run the destroy again"),
        new(InvalidAddressLocked, "the address is locked", FailureKind.FailedPrecondition,
            "Addresses are locked by AWS (e.g. during an abuse review or a BYOIP move); ask AWS Support to unlock it, then run the destroy again"),
        new(InvalidInstanceIDNotFound, "EC2 does not know the instance", FailureKind.NotFound,
            "Check instanceId: the instance must exist, not be terminated, and be in the configured region and account"),
        new(IncorrectInstanceState, "the instance is not in a state that accepts an address", FailureKind.FailedPrecondition,
            "Wait until the instance is running or stopped, then run the operation again"),
        new(ResourceAlreadyAssociated, "the address is already associated with another resource", FailureKind.FailedPrecondition,
            "Set allowReassociation: true to move it, or remove the other association first"),
        new(GatewayNotAttached, "the target's VPC has no internet gateway", FailureKind.FailedPrecondition,
            "Attach an internet gateway to the VPC before associating a public address"),
        new(InvalidAllocationIDMalformed, "the allocation ID is not well formed", FailureKind.InvalidInput,
            "Import by an id of the form eipalloc-0123456789abcdef0 (or the public IP for a standard address)"),
        new(InvalidAddressMalformed, "the address is not a well-formed IPv4 address", FailureKind.InvalidInput,
            "Set address (or the import id) to a dotted IPv4 address"),
        new(InvalidInstanceIDMalformed, "the instance ID is not well formed", FailureKind.InvalidInput,
            "Set instanceId to an id of the form i-0123456789abcdef0"),
        new(InvalidNetworkInterfaceIDMalformed, "the network interface ID is not well formed", FailureKind.InvalidInput,
            "Set networkInterfaceId to an id of the form eni-0123456789abcdef0"),
        new(RequestExpired, "EC2 refused the request as expired: the temporary credentials that signed it have expired, or this machine's clock is off", FailureKind.Unauthenticated,
            "With awsAssumeRole the provider renews sessions itself, so renew the base credentials (`aws sso login`, a fresh awsSessionToken) and check the clock (NTP); a static awsSessionToken cannot be renewed by the provider: replace it, or use awsAssumeRole / a profile instead"),
        new(ExpiredToken, "the session token that signed the request has expired", FailureKind.Unauthenticated,
            "Renew the credentials (`aws sso login`, a fresh awsSessionToken), or let the provider renew them by using awsAssumeRole or a profile"),
        new(OperationNotPermitted, "EC2 does not permit this operation on the address", FailureKind.FailedPrecondition,
            "The address may be managed by another service (e.g. a NAT gateway or Global Accelerator): remove it there first"),

        // ---- no EC2 answer: the provider's own codes --------------------------------------------------------------
        new(CredentialsUnavailable, "the AWS SDK could not obtain credentials to sign the request with", FailureKind.Unauthenticated,
            "Check the profile (publicip:awsProfile / AWS_PROFILE), that its source credentials work and an SSO login has not expired (`aws sso login`), then run the operation again"),
        new(EndpointUnreachable, "EC2 could not be reached", FailureKind.Unavailable,
            "Check publicip:awsEndpoint / awsRegion and the network path to EC2, then run the operation again"),
    }.ToDictionary(e => e.Code, StringComparer.Ordinal);

    /// <summary>The catalogue entry for an EC2 error, with the credential AuthFailure told apart.</summary>
    public DiagnosticEntry EntryFor(AmazonServiceException e)
    {
        var code = e.ErrorCode ?? "Unknown";
        if (code == AuthFailure && e.StatusCode == HttpStatusCode.Unauthorized)
        {
            return CredentialsRejected;
        }
        return Find(code) ?? Unknown(code, e.StatusCode);
    }

    /// <summary>
    /// What the provider was doing when <paramref name="action"/> (AWS's action name, e.g. ReleaseAddress) failed on
    /// <paramref name="subject"/> (the address and the resource, in words): "ec2:ReleaseAddress on …", the IAM action a
    /// permission remedy refers to.
    /// </summary>
    public static string Calling(string action, string subject) => $"ec2:{action} on {subject}";

    public override Diagnostic Explain(Exception e, string doing, string? detail = null)
    {
        switch (e)
        {
            case AmazonServiceException { ErrorCode: not null } service:
                var entry = EntryFor(service);
                var known = Find(service.ErrorCode) is not null;
                var what = $"{doing} failed: {entry.Title}"
                           + (detail is null ? "" : $" ({detail})")
                           + (known ? "" : $" (EC2 said: {Redactor.WithoutRequestEcho(service.Message)})");
                return new Diagnostic(entry, what);
            case AmazonClientException client when !IsNoAnswer(client):
                // Not the network: the SDK could not get credentials to sign with (a profile's role, SSO token, ...).
                var credentials = Entries[CredentialsUnavailable];
                return new Diagnostic(credentials, $"{doing} failed: {credentials.Title}: {Text.Truncate(Redactor.WithoutRequestEcho(Causes(client)), 500)}");
            default:
                // No EC2 answer at all (DNS, TLS, connection refused) after the SDK's retries.
                var unreachable = Entries[EndpointUnreachable];
                return new Diagnostic(unreachable, $"{doing} failed: {unreachable.Title} ({e.GetType().Name})");
        }
    }

    /// <summary>The SDK wraps what went wrong ("Error calling AssumeRole for role …"): the chain of messages says why.</summary>
    private static string Causes(Exception e)
    {
        var messages = new List<string>();
        for (var cause = e; cause is not null && messages.Count < 4; cause = cause.InnerException)
        {
            messages.Add(cause.Message);
        }
        return string.Join(": ", messages);
    }

    public override bool IsCloudFailure(Exception e) => IsAwsFailure(e);

    /// <summary>What the AWS SDK throws for a call that failed (an answer, no answer, no credentials), as opposed to a bug.</summary>
    /// <summary>
    /// No answer from AWS (DNS, TLS, a reset connection, the SDK's per-attempt timeout), which a retry may get. An
    /// AmazonClientException that wraps none of these is the SDK failing before it sent anything, e.g. finding no
    /// credentials to sign with: a retry cannot fix that, and both the retry rule and the diagnostic ask here.
    /// </summary>
    public static bool IsNoAnswer(Exception e) => e switch
    {
        HttpRequestException or IOException or System.Net.Sockets.SocketException or TaskCanceledException or TimeoutException => true,
        AmazonClientException { InnerException: { } inner } => IsNoAnswer(inner),
        _ => false,
    };

    public static bool IsAwsFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException;

    public static bool Is(Exception e, string code) => e is AmazonEC2Exception { ErrorCode: var c } && c == code;
}
