using PublicIp.Protocol.Values;
using System.Collections.Frozen;
using PublicIp.Alibaba;
using PublicIp.Protocol.Resources;
using static PublicIp.Provider.Diagnostics.AlibabaErrorCodes;

namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// Every Alibaba Cloud error code the alicloud resources can meet, with what it means and what to do.
/// Which codes are waited out is the retry tables' business (AlibabaRetry per call, AlibabaLimits for throttling
/// and server errors); ReleasePublicIpAddress itself retries none of its own codes.
/// </summary>
public sealed class AlibabaDiagnostics : CloudDiagnostics
{
    public static readonly AlibabaDiagnostics Instance = new();


    private const string Ecs = "ECS";


    private const string VpcWaysOut =
        "Either set `vpcRelease: convertToEip` on the resource so destroy converts the address to an EIP (ConvertNatPublicIpToEip) and " +
        "releases that EIP, or release the address yourself in the " + Ecs + " console (or with ModifyInstanceNetworkSpec), then run destroy again";

    public override IReadOnlyDictionary<string, DiagnosticEntry> Entries { get; } = new DiagnosticEntry[]
    {
        // ---- ECS ReleasePublicIpAddress -----------------------------------------------------------------------------
        new(OperationDenied, "the instance is in a VPC, where ECS refuses ReleasePublicIpAddress", FailureKind.FailedPrecondition, VpcWaysOut),
        new(InvalidIpAddressNotFound, "ECS does not know this public IP on the instance, but the instance still reports it", FailureKind.FailedPrecondition,
            "Check that instanceId and regionId in the stack are where the address lives (`pulumi refresh` shows the instance's current address), then destroy again"),
        new(DryRunOperation, "ECS answered as if the call were a DryRun rehearsal, so nothing was released", FailureKind.Conflict,
            "Nothing changed. The provider never sends DryRun to ECS (ReleasePublicIpAddress's DryRun is not yet available per the API reference), so run destroy again and report it if it repeats"),
        new(IncorrectInstanceStatus, "the instance's status does not allow the change; ECS allows it only while the instance is Running or Stopped", FailureKind.FailedPrecondition,
            "Wait until the instance is Running or Stopped (start or stop it if it is stuck), then run the operation again"),
        new(InstanceLockedForSecurity, "the instance is locked for security reasons, so ECS refuses every change to it", FailureKind.FailedPrecondition,
            "Resolve the security lock (see the instance's OperationLocks in the ECS console, or contact Alibaba Cloud support), then run destroy again"),
        new(InvalidIpAddressNeedInstanceId, "ECS needs the instance id to release this address", FailureKind.FailedPrecondition,
            "Run `pulumi refresh` so the stack records the instance id (or set instanceId), then destroy again"),
        new(OperationTimesOverLimit, "the instance has used up how many times its public IP may be released", FailureKind.QuotaExceeded,
            "Release the address in the ECS console or with ModifyInstanceNetworkSpec, or keep it and drop it from the stack with `pulumi state delete <urn>`"),
        new(ForbiddenExceedDuration, "a NAT public IP can only be released within 6 hours of the instance's creation", FailureKind.FailedPrecondition, VpcWaysOut),
        new(InvalidInstanceIdNotFound, "the instance does not exist in this region", FailureKind.NotFound,
            "Check instanceId and regionId; a deleted instance takes its public IP with it, so `pulumi refresh` will drop the address from the stack"),
        new(AllocatedAlready, "the instance already has a public IP", FailureKind.AlreadyExists,
            "Import the existing address (`pulumi import` with the instance id) instead of allocating another"),
        new(IpInUse, "the requested ipAddress is already in use", FailureKind.AlreadyExists, "Choose another ipAddress or leave it unset"),
        new(InstanceExpiredOrInArrears, "the instance has expired or the account is in arrears", FailureKind.FailedPrecondition,
            "Renew the instance or settle the account, then run the operation again"),

        // ---- VPC EIP: status machine conflicts (retried while the EIP settles) ---------------------------------------
        new(IncorrectEipStatus, "the EIP is in a status that does not allow this step yet", FailureKind.FailedPrecondition,
            "The provider waited for the EIP to settle; check its status in the VPC console and run the operation again"),
        new(TaskConflict, "another task is running on the EIP", FailureKind.Conflict, "Wait for the other task to finish, then run the operation again"),
        new(OperationConflict, "another operation on the EIP or instance is in progress", FailureKind.Conflict,
            "Wait for the other operation to finish, then run the operation again"),
        new(LastTokenProcessing, "the previous request with the same ClientToken is still being processed", FailureKind.Conflict,
            "Run the operation again in a minute"),
        new(OperationFailedLastTokenProcessing, "the previous request with the same ClientToken is still being processed", FailureKind.Conflict,
            "Run the operation again in a minute"),
        new(IncorrectStatus, "the EIP is in a transitional status (for example Releasing)", FailureKind.Conflict,
            "Wait until the EIP is Available or InUse, then run the operation again"),
        new(SystemBusy, "Alibaba Cloud is busy", FailureKind.Unavailable, "Run the operation again in a minute"),
        new(InvalidBindingStatus, "the association is changing", FailureKind.Conflict, "Wait for the association to settle, then run the operation again"),
        new(IncorrectHaVipStatus, "the HaVip is in a status that does not allow this step", FailureKind.Conflict,
            "Wait for the HaVip to become Available, then run the operation again"),
        new(TaskConflictAssociateGlobalAccelerationInstance, "the EIP is still attached to a Global Accelerator instance", FailureKind.Conflict,
            "Detach the EIP from the Global Accelerator instance, then destroy again"),
        new(InvalidIpStatusHasBeenUsedBySnatTable, "the EIP is used by a NAT gateway SNAT entry", FailureKind.FailedPrecondition,
            "Delete the SNAT entries that use the EIP, then destroy again"),
        new(InvalidIpStatusHasBeenUsedByForwardEntry, "the EIP is used by a NAT gateway DNAT entry", FailureKind.FailedPrecondition,
            "Delete the DNAT entries that use the EIP, then destroy again"),
        new(InvalidAssociationDuplicated, "the instance already has another EIP associated", FailureKind.FailedPrecondition,
            "Unassociate the other EIP from the instance, or associate this one with another instance"),

        // ---- VPC EIP: release refused -------------------------------------------------------------------------------
        new(ForbiddenChargeTypeIsPrepaid, "the EIP is a subscription (PrePaid) EIP, which the API cannot release", FailureKind.FailedPrecondition,
            "Unsubscribe it in the VPC console or let the subscription expire, then drop it from the stack with `pulumi state delete <urn>` (or convert it to pay-as-you-go and destroy again)"),
        new(InvalidOperationDeletionProtection, "the EIP has deletion protection enabled", FailureKind.FailedPrecondition,
            "Turn deletion protection off in the VPC console (or with the DeletionProtection API), then destroy again"),
        new(OperationUnsupportedServiceManaged, "the EIP is managed by another Alibaba Cloud service", FailureKind.FailedPrecondition,
            "Release it through the service that owns it, then `pulumi refresh`"),
        new(InvalidAllocationIdNotFound, "the EIP no longer exists", FailureKind.NotFound,
            "Nothing to do: it was released outside this stack"),
        new(ForbiddenRegionNotFound, "the region does not exist or is not enabled for this account", FailureKind.InvalidInput,
            "Check regionId on the resource or publicip:alicloudRegion"),
        new(InvalidRegionIdNotFound, "the region does not exist", FailureKind.InvalidInput, "Check regionId on the resource or publicip:alicloudRegion"),
        new(Forbbiden, "the credentials are not allowed to make this call", FailureKind.PermissionDenied,
            "Grant the RAM user or role the vpc:*EipAddress* / ecs:*PublicIpAddress* actions, then run the operation again"),
        new(Forbidden, "the credentials are not allowed to make this call", FailureKind.PermissionDenied,
            "Grant the RAM user or role the vpc:*EipAddress* / ecs:*PublicIpAddress* actions, then run the operation again"),
        new(ForbiddenRAM, "the RAM policy does not allow this call", FailureKind.PermissionDenied,
            "Grant the RAM user or role the vpc:*EipAddress* / ecs:*PublicIpAddress* actions, then run the operation again"),

        // ---- throttling and service faults (the RPC client retries these with backoff) -------------------------------
        new(Throttling, "Alibaba Cloud throttled the calls", FailureKind.Unavailable, ThrottleRemedy),
        new(ThrottlingUser, "Alibaba Cloud throttled this account's calls", FailureKind.Unavailable, ThrottleRemedy),
        new(ThrottlingApi, "Alibaba Cloud throttled this API", FailureKind.Unavailable, ThrottleRemedy),
        new(RejectedThrottling, "Alibaba Cloud rejected the call by flow control", FailureKind.Unavailable, ThrottleRemedy),
        new(ServiceUnavailable, "Alibaba Cloud was temporarily unavailable", FailureKind.Unavailable,
            "The provider already retried; run the operation again in a few minutes (check https://status.alibabacloud.com)"),
        new(InternalError, "Alibaba Cloud had an internal error", FailureKind.Unavailable,
            "The provider already retried; run the operation again in a few minutes"),

        // ---- credentials ------------------------------------------------------------------------------------------
        new(SignatureDoesNotMatch, "Alibaba Cloud rejected the request signature: the AccessKey secret does not belong to the AccessKey ID", FailureKind.Unauthenticated,
            "Check publicip:alicloudSecretKey (or ALIBABA_CLOUD_ACCESS_KEY_SECRET) against the AccessKey ID, and that this machine's clock is right"),
        new(InvalidAccessKeyIdNotFound, "the AccessKey ID does not exist", FailureKind.Unauthenticated,
            "Check publicip:alicloudAccessKey (or ALIBABA_CLOUD_ACCESS_KEY_ID); the key may have been deleted or disabled"),
        new(InvalidAccessKeyIdInactive, "the AccessKey is disabled", FailureKind.Unauthenticated, "Enable the AccessKey in the RAM console or configure another one"),
        new(NoPermission, "STS refused AssumeRole: the caller may not assume the RAM role", FailureKind.PermissionDenied,
            "The role's trust policy must name the calling account or RAM user, and the caller needs the sts:AssumeRole permission on the role (AliyunSTSAssumeRoleAccess); if the trust policy has an sts:ExternalId condition, set externalId in publicip:alicloudAssumeRole"),
        new(EntityNotExistRole, "the RAM role to assume does not exist", FailureKind.FailedPrecondition,
            "Check roleArn in publicip:alicloudAssumeRole (or ram_role_arn in the CLI profile): acs:ram::<account id>:role/<role name>"),
        new(InvalidParameterRoleArn, "the RAM role ARN is not well formed", FailureKind.InvalidInput,
            "Set roleArn to acs:ram::<account id>:role/<role name>"),
        new(InvalidSecurityTokenExpired, "the STS security token has expired", FailureKind.Unauthenticated,
            "Get a fresh STS token and set publicip:alicloudSecurityToken (or ALIBABA_CLOUD_SECURITY_TOKEN)"),
        new(InvalidSecurityTokenMismatchWithAccessKey, "the STS security token does not belong to the AccessKey ID", FailureKind.Unauthenticated,
            "Set the AccessKey ID, secret and security token from the same AssumeRole answer"),
        new(InvalidTimeStampExpired, "the request's timestamp is too far from Alibaba Cloud's clock", FailureKind.Unauthenticated,
            "Synchronise this machine's clock (NTP), then run the operation again"),

        // ---- transport ----------------------------------------------------------------------------------------------
        new(TransportTimeout, "Alibaba Cloud did not answer in time", FailureKind.Unavailable,
            "Check the network path to the endpoint (or alicloudEcsEndpoint/alicloudVpcEndpoint) and run the operation again; the provider re-reads before acting, so repeating is safe"),
        new(TransportFailure, "the request did not reach Alibaba Cloud", FailureKind.Unavailable,
            "Check the network, proxy and endpoint settings (alicloudEcsEndpoint/alicloudVpcEndpoint), then run the operation again"),
    }.ToFrozenDictionary(e => e.Code, StringComparer.Ordinal);

    private const string ThrottleRemedy =
        "The provider queues for the region's request budget and waits throttling out (honouring x-acs-retry-after) until the operation's deadline; give it more room: " +
        "fewer operations at once (`pulumi destroy --parallel N` or `pulumi up --parallel N`), longer customTimeouts, publicip:alicloudRequestRateScale below 1 if other " +
        "tools share the account, or ask Alibaba Cloud for a higher API quota";

    /// <summary>The diagnostic for a failed call; <paramref name="doing"/> says what the provider was doing, e.g. "releasing 47.1.2.3 of i-abc".</summary>
    public override Diagnostic Explain(Exception e, string doing, string? detail = null)
    {
        var ctx = detail is null ? "" : "; " + detail;
        switch (e)
        {
            case AlibabaApiException api:
                var entry = Find(api.Code)
                    ?? (api.IsThrottling ? Entries[Throttling] : null)
                    ?? Unknown(api);
                var attempts = api.Attempts > 1 ? $", after {api.Attempts} attempts" : "";
                return new Diagnostic(entry,
                    $"{doing} failed: {entry.Title}{ctx} (Alibaba Cloud {api.Action} answered {api.Code}: \"{Redactor.WithoutRequestEcho(api.ErrorMessage).TrimEnd('.')}\", RequestId {api.RequestId ?? "none"}{attempts})");
            case AlibabaTransportException transport:
                var t = Entries[transport.IsTimeout ? TransportTimeout : TransportFailure];
                return new Diagnostic(t, $"{doing} failed: {t.Title}{ctx} ({transport.Message}, after {transport.Attempts} attempts)");
            default:
                throw new ArgumentException("not an Alibaba Cloud failure", nameof(e), e);
        }
    }

    public override bool IsCloudFailure(Exception e) => e is AlibabaApiException or AlibabaTransportException;

    private static DiagnosticEntry Unknown(AlibabaApiException api) =>
        new(api.Code, "Alibaba Cloud refused the call",
            (int)api.HttpStatus >= 500 ? FailureKind.Unavailable : FailureKind.FailedPrecondition,
            $"See {api.Recommend ?? "https://api.aliyun.com/troubleshoot?q=" + api.Code} for this code, fix the cause, then run the operation again");
}
