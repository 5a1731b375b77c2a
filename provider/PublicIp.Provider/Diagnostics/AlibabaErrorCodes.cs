namespace PublicIp.Provider.Diagnostics;

/// <summary>
/// The Alibaba Cloud error codes the provider names (ECS, VPC EIP, STS), each once: the catalogue, the retry tables
/// and every filter use these. A constant is the code without its dots (VPC_TASK_CONFLICT: VpcTaskConflict).
/// </summary>
public static class AlibabaErrorCodes
{
    public const string AllocatedAlready = "AllocatedAlready";
    public const string DryRunOperation = "DryRunOperation";
    public const string EntityNotExistRole = "EntityNotExist.Role";
    public const string Forbbiden = "Forbbiden";
    public const string Forbidden = "Forbidden";
    public const string ForbiddenChargeTypeIsPrepaid = "Forbidden.ChargeTypeIsPrepaid";
    public const string ForbiddenExceedDuration = "Forbidden.ExceedDuration";
    public const string ForbiddenRAM = "Forbidden.RAM";
    public const string ForbiddenRegionNotFound = "Forbidden.RegionNotFound";
    public const string FrequentPurchaseEIP = "FrequentPurchase.EIP";
    public const string IncorrectEipStatus = "IncorrectEipStatus";
    public const string IncorrectHaVipStatus = "IncorrectHaVipStatus";
    public const string IncorrectInstanceStatus = "IncorrectInstanceStatus";
    public const string IncorrectStatus = "IncorrectStatus";
    public const string IncorrectStatusNatGateway = "IncorrectStatus.NatGateway";
    public const string IncorrectStatusResourceStatus = "IncorrectStatus.ResourceStatus";
    public const string InstanceExpiredOrInArrears = "InstanceExpiredOrInArrears";
    public const string InstanceLockedForSecurity = "InstanceLockedForSecurity";
    public const string InternalError = "InternalError";
    public const string InvalidAccessKeyIdInactive = "InvalidAccessKeyId.Inactive";
    public const string InvalidAccessKeyIdNotFound = "InvalidAccessKeyId.NotFound";
    public const string InvalidAllocationIdNotFound = "InvalidAllocationId.NotFound";
    public const string InvalidAssociationDuplicated = "InvalidAssociation.Duplicated";
    public const string InvalidBindingStatus = "InvalidBindingStatus";
    public const string InvalidInstanceIdNotFound = "InvalidInstanceId.NotFound";
    public const string InvalidIpAddressNeedInstanceId = "InvalidIpAddress.NeedInstanceId";
    public const string InvalidIpAddressNotFound = "InvalidIpAddress.NotFound";
    public const string InvalidIpStatusHasBeenUsedByForwardEntry = "InvalidIpStatus.HasBeenUsedByForwardEntry";
    public const string InvalidIpStatusHasBeenUsedBySnatTable = "InvalidIpStatus.HasBeenUsedBySnatTable";
    public const string InvalidOperationDeletionProtection = "InvalidOperation.DeletionProtection";
    public const string InvalidParamIpAddress = "InvalidParam.IpAddress";
    public const string InvalidParameterRoleArn = "InvalidParameter.RoleArn";
    public const string InvalidRegionIdNotFound = "InvalidRegionId.NotFound";
    public const string InvalidSecurityTokenExpired = "InvalidSecurityToken.Expired";
    public const string InvalidSecurityTokenMismatchWithAccessKey = "InvalidSecurityToken.MismatchWithAccessKey";
    public const string InvalidStatusEcsStatusNotSupport = "InvalidStatus.EcsStatusNotSupport";
    public const string InvalidStatusEniStatusNotSupport = "InvalidStatus.EniStatusNotSupport";
    public const string InvalidStatusInstanceHasBandWidth = "InvalidStatus.InstanceHasBandWidth";
    public const string InvalidStatusNotAllow = "InvalidStatus.NotAllow";
    public const string InvalidStatusSnatOrDnat = "InvalidStatus.SnatOrDnat";
    public const string InvalidTimeStampExpired = "InvalidTimeStamp.Expired";
    public const string IpAddressNotAvailable = "IpAddress.NotAvailable";
    public const string IpInUse = "IpInUse";
    public const string LastTokenProcessing = "LastTokenProcessing";
    public const string NoPermission = "NoPermission";
    public const string OperationConflict = "OperationConflict";
    public const string OperationDenied = "OperationDenied";
    public const string OperationFailedEcsMigrating = "OperationFailed.EcsMigrating";
    public const string OperationFailedLastTokenProcessing = "OperationFailed.LastTokenProcessing";
    public const string OperationTimesOverLimit = "OperationTimesOverLimit";
    public const string OperationUnsupportedServiceManaged = "OperationUnsupported.ServiceManaged";
    public const string RejectedThrottling = "Rejected.Throttling";
    public const string ReserveIpFail = "ReserveIpFail";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string SignatureDoesNotMatch = "SignatureDoesNotMatch";
    public const string SystemBusy = "SystemBusy";
    public const string TaskConflict = "TaskConflict";
    public const string TaskConflictAssociateGlobalAccelerationInstance = "TaskConflict.AssociateGlobalAccelerationInstance";
    public const string Throttling = "Throttling";
    public const string ThrottlingApi = "Throttling.Api";
    public const string ThrottlingUser = "Throttling.User";
    public const string VpcTaskConflict = "VPC_TASK_CONFLICT";

    // Not Alibaba's: the provider's own codes for a request with no usable answer.
    public const string TransportTimeout = "Transport.Timeout";
    public const string TransportFailure = "Transport.Failure";
}
