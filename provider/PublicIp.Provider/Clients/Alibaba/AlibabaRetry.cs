using System.Collections.Frozen;
using PublicIp.Alibaba;
using PublicIp.Provider.Retries;
using static PublicIp.Provider.Diagnostics.AlibabaErrorCodes;

namespace PublicIp.Provider.Clients.Alibaba;

/// <summary>
/// The codes that waiting can fix, per call, named one by one (from Terraform's alicloud_eip_address and
/// alicloud_eip_association), waited out by the one retry primitive (<see cref="Retry"/>) until the operation's deadline;
/// throttling and server errors are its cloud-wide rules (<see cref="AlibabaLimits"/>), not listed here.
/// </summary>
public static class AlibabaRetry
{
    /// <summary>AllocateEipAddress.</summary>
    public static readonly FrozenSet<string> Allocate = FrozenSet.ToFrozenSet(
        [OperationConflict, LastTokenProcessing, IncorrectStatus, SystemBusy, ServiceUnavailable, FrequentPurchaseEIP], StringComparer.Ordinal);

    /// <summary>AssociateEipAddress.</summary>
    public static readonly FrozenSet<string> Associate = FrozenSet.ToFrozenSet(
        [TaskConflict, OperationConflict, IncorrectStatus, ServiceUnavailable, SystemBusy, LastTokenProcessing, IncorrectEipStatus,
         InvalidBindingStatus, IncorrectInstanceStatus, IncorrectStatusNatGateway, InvalidStatusEcsStatusNotSupport,
         InvalidStatusInstanceHasBandWidth, InvalidStatusEniStatusNotSupport, OperationFailedEcsMigrating], StringComparer.Ordinal);

    /// <summary>UnassociateEipAddress.</summary>
    public static readonly FrozenSet<string> Unassociate = FrozenSet.ToFrozenSet(
        [OperationConflict, IncorrectStatus, ServiceUnavailable, SystemBusy, LastTokenProcessing, OperationFailedLastTokenProcessing,
         IncorrectEipStatus, InvalidBindingStatus, IncorrectInstanceStatus, IncorrectHaVipStatus, TaskConflict,
         InvalidIpStatusHasBeenUsedBySnatTable, InvalidIpStatusHasBeenUsedByForwardEntry, InvalidStatusEniStatusNotSupport,
         InvalidStatusEcsStatusNotSupport, InvalidStatusNotAllow, InvalidStatusSnatOrDnat], StringComparer.Ordinal);

    /// <summary>ReleaseEipAddress.</summary>
    public static readonly FrozenSet<string> ReleaseEip = FrozenSet.ToFrozenSet(
        [OperationConflict, LastTokenProcessing, IncorrectStatus, SystemBusy, ServiceUnavailable, IncorrectEipStatus,
         TaskConflict, TaskConflictAssociateGlobalAccelerationInstance], StringComparer.Ordinal);

    /// <summary>ModifyEipAddressAttribute, TagResources, UntagResources.</summary>
    public static readonly FrozenSet<string> Modify = FrozenSet.ToFrozenSet(
        [OperationConflict, LastTokenProcessing, IncorrectStatus, IncorrectStatusResourceStatus, SystemBusy, ServiceUnavailable,
         TaskConflict, VpcTaskConflict], StringComparer.Ordinal);

    /// <summary>ConvertNatPublicIpToEip: only a status that settles by itself.</summary>
    public static readonly FrozenSet<string> Convert = FrozenSet.ToFrozenSet([OperationConflict, TaskConflict, SystemBusy], StringComparer.Ordinal);

    /// <summary>Per call, for the reference tables.</summary>
    public static readonly IReadOnlyList<(string Calls, FrozenSet<string> Codes)> ByCall =
    [
        ("AllocateEipAddress", Allocate), ("AssociateEipAddress", Associate), ("UnassociateEipAddress", Unassociate), ("ReleaseEipAddress", ReleaseEip),
        ("ModifyEipAddressAttribute, TagResources, UntagResources", Modify), ("ConvertNatPublicIpToEip", Convert),
    ];

    public static Task<T> RunAsync<T>(string step, FrozenSet<string> codes, Func<CancellationToken, Task<T>> attempt, Retry retry) =>
        retry.RunAsync(step, "", attempt, Retryable(codes));

    public static Task RunAsync(string step, FrozenSet<string> codes, Func<CancellationToken, Task> attempt, Retry retry) =>
        retry.RunAsync(step, "", attempt, Retryable(codes));

    private static Func<Exception, string?> Retryable(FrozenSet<string> codes) =>
        e => e is AlibabaApiException api && codes.Contains(api.Code) ? $"{api.Code} ({api.ErrorMessage.TrimEnd('.')})" : null;
}
