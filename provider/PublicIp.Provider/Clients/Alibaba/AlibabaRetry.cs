using System.Collections.Frozen;
using PublicIp.Alibaba;
using PublicIp.Provider.Retries;

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
        ["OperationConflict", "LastTokenProcessing", "IncorrectStatus", "SystemBusy", "ServiceUnavailable", "FrequentPurchase.EIP"], StringComparer.Ordinal);

    /// <summary>AssociateEipAddress.</summary>
    public static readonly FrozenSet<string> Associate = FrozenSet.ToFrozenSet(
        ["TaskConflict", "OperationConflict", "IncorrectStatus", "ServiceUnavailable", "SystemBusy", "LastTokenProcessing", "IncorrectEipStatus",
         "InvalidBindingStatus", "IncorrectInstanceStatus", "IncorrectStatus.NatGateway", "InvalidStatus.EcsStatusNotSupport",
         "InvalidStatus.InstanceHasBandWidth", "InvalidStatus.EniStatusNotSupport", "OperationFailed.EcsMigrating"], StringComparer.Ordinal);

    /// <summary>UnassociateEipAddress.</summary>
    public static readonly FrozenSet<string> Unassociate = FrozenSet.ToFrozenSet(
        ["OperationConflict", "IncorrectStatus", "ServiceUnavailable", "SystemBusy", "LastTokenProcessing", "OperationFailed.LastTokenProcessing",
         "IncorrectEipStatus", "InvalidBindingStatus", "IncorrectInstanceStatus", "IncorrectHaVipStatus", "TaskConflict",
         "InvalidIpStatus.HasBeenUsedBySnatTable", "InvalidIpStatus.HasBeenUsedByForwardEntry", "InvalidStatus.EniStatusNotSupport",
         "InvalidStatus.EcsStatusNotSupport", "InvalidStatus.NotAllow", "InvalidStatus.SnatOrDnat"], StringComparer.Ordinal);

    /// <summary>ReleaseEipAddress.</summary>
    public static readonly FrozenSet<string> ReleaseEip = FrozenSet.ToFrozenSet(
        ["OperationConflict", "LastTokenProcessing", "IncorrectStatus", "SystemBusy", "ServiceUnavailable", "IncorrectEipStatus",
         "TaskConflict", "TaskConflict.AssociateGlobalAccelerationInstance"], StringComparer.Ordinal);

    /// <summary>ModifyEipAddressAttribute, TagResources, UntagResources.</summary>
    public static readonly FrozenSet<string> Modify = FrozenSet.ToFrozenSet(
        ["OperationConflict", "LastTokenProcessing", "IncorrectStatus", "IncorrectStatus.ResourceStatus", "SystemBusy", "ServiceUnavailable",
         "TaskConflict", "VPC_TASK_CONFLICT"], StringComparer.Ordinal);

    /// <summary>ConvertNatPublicIpToEip: only a status that settles by itself.</summary>
    public static readonly FrozenSet<string> Convert = FrozenSet.ToFrozenSet(["OperationConflict", "TaskConflict", "SystemBusy"], StringComparer.Ordinal);

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
