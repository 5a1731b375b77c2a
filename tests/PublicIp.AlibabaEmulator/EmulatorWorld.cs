using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PublicIp.AlibabaEmulator;

/// <summary>
/// The emulated account: ECS instances and VPC EIPs, with the documented rules and error codes.
/// Every call runs under one lock, so a test sees the same ordering a single Alibaba region would impose.
/// </summary>
public sealed class EmulatorWorld
{
    private const string Ecs = "2014-05-26";
    private const string Vpc = "2016-04-28";

    private readonly AlibabaEmulatorOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, EmulatorInstance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EmulatorEip> _eips = new(StringComparer.Ordinal);

    // Addresses this account released (by IP: the old EIP), and those another account has taken since.
    private readonly Dictionary<string, EmulatorEip> _released = new(StringComparer.Ordinal);
    private readonly HashSet<string> _takenByOthers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Action, string Token), (string Fingerprint, JsonObject Result, string? AllocationId)> _tokens = [];
    private int _counter;

    internal EmulatorWorld(AlibabaEmulatorOptions options) => _options = options;

    private DateTimeOffset Now => _options.Clock.GetUtcNow();

    // ---- seeding and inspection --------------------------------------------------------------------------------------

    public EmulatorInstance AddInstance(EmulatorInstance instance)
    {
        lock (_gate)
        {
            var seeded = instance with { CreationTime = instance.CreationTime ?? Now };
            _instances[instance.InstanceId] = seeded;
            return seeded;
        }
    }

    /// <summary>Seeds an EIP directly (PrePaid, deletion protection, a given status...).</summary>
    public EmulatorEip AddEip(EmulatorEip eip)
    {
        lock (_gate)
        {
            _eips[eip.AllocationId] = eip;
            return eip;
        }
    }

    public void UpdateInstance(string instanceId, Func<EmulatorInstance, EmulatorInstance> change)
    {
        lock (_gate)
        {
            _instances[instanceId] = change(_instances[instanceId]);
        }
    }

    public EmulatorInstance? GetInstance(string instanceId)
    {
        lock (_gate)
        {
            return _instances.GetValueOrDefault(instanceId);
        }
    }

    /// <summary>The EIP after any finished transition has been applied; null once released.</summary>
    public EmulatorEip? GetEip(string allocationId)
    {
        lock (_gate)
        {
            Settle();
            return _eips.GetValueOrDefault(allocationId);
        }
    }

    public IReadOnlyList<EmulatorEip> Eips
    {
        get
        {
            lock (_gate)
            {
                Settle();
                return [.. _eips.Values];
            }
        }
    }

    // ---- dispatch -----------------------------------------------------------------------------------------------------

    internal JsonObject Handle(string version, string action, IReadOnlyDictionary<string, string> p)
    {
        lock (_gate)
        {
            Settle();
            if (p.TryGetValue("RegionId", out var region) && !_options.Regions.Contains(region))
            {
                throw Error(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.");
            }
            return (version, action) switch
            {
                (Ecs, "AllocatePublicIpAddress") => AllocatePublicIpAddress(p),
                (Ecs, "ReleasePublicIpAddress") => ReleasePublicIpAddress(p),
                (Ecs, "DescribeInstances") => DescribeInstances(p),
                (Ecs, "ConvertNatPublicIpToEip") => ConvertNatPublicIpToEip(p),
                (Vpc, "AllocateEipAddress") => Idempotent(action, p, () => AllocateEipAddress(p)),
                (Vpc, "AllocateEipAddressPro") => Idempotent(action, p, () => AllocateEipAddressPro(p)),
                (Vpc, "AssociateEipAddress") => Idempotent(action, p, () => AssociateEipAddress(p)),
                (Vpc, "UnassociateEipAddress") => Idempotent(action, p, () => UnassociateEipAddress(p)),
                (Vpc, "ReleaseEipAddress") => ReleaseEipAddress(p),
                (Vpc, "DescribeEipAddresses") => DescribeEipAddresses(p),
                (Vpc, "ModifyEipAddressAttribute") => ModifyEipAddressAttribute(p),
                (Vpc, "TagResources") => TagResources(p),
                (Vpc, "UntagResources") => UntagResources(p),
                _ => throw Error(404, "InvalidAction.NotFound", $"Specified api is not found, please check your url and method. ({action} {version})"),
            };
        }
    }

    /// <summary>
    /// ClientToken semantics: the same token on the same action returns the first result without acting again;
    /// while the transition it started is still running the answer is LastTokenProcessing; other parameters are a mismatch.
    /// </summary>
    private JsonObject Idempotent(string action, IReadOnlyDictionary<string, string> p, Func<(JsonObject Result, string? AllocationId)> run)
    {
        if (!p.TryGetValue("ClientToken", out var token) || token.Length == 0)
        {
            return run().Result;
        }
        var fingerprint = string.Join('&', p.Where(x => x.Key != "ClientToken").OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key + "=" + x.Value));
        if (_tokens.TryGetValue((action, token), out var previous))
        {
            if (previous.Fingerprint != fingerprint)
            {
                throw Error(400, "IdempotentParameterMismatch", "The request uses the same client token as a previous, but non-identical request.");
            }
            if (previous.AllocationId is { } id && _eips.TryGetValue(id, out var eip) && eip.PendingToken == token)
            {
                throw Error(400, "LastTokenProcessing", "The last token request is processing.");
            }
            return (JsonObject)previous.Result.DeepClone();
        }
        var (result, allocationId) = run();
        _tokens[(action, token)] = (fingerprint, (JsonObject)result.DeepClone(), allocationId);
        return result;
    }

    // ---- ECS ----------------------------------------------------------------------------------------------------------

    private JsonObject AllocatePublicIpAddress(IReadOnlyDictionary<string, string> p)
    {
        var instance = RequireInstance(Required(p, "InstanceId"));
        CheckInstanceUsable(instance);
        if (instance.PublicIpAddress is { } existing)
        {
            // Newer docs: a repeat call returns the address the instance already has (older ones said AllocatedAlready).
            return new JsonObject { ["IpAddress"] = existing };
        }
        if (instance.InternetMaxBandwidthOut <= 0)
        {
            // Docs: public bandwidth must be > 0. The exact code is not documented; this name is the emulator's.
            throw Error(403, "InvalidInternetMaxBandwidthOut.Zero", "The instance has no public bandwidth (InternetMaxBandwidthOut is 0).");
        }
        var ip = p.GetValueOrDefault("IpAddress");
        if (ip is not null && _instances.Values.Any(i => i.PublicIpAddress == ip || i.NatPublicIpAddress == ip) || ip is not null && _eips.Values.Any(e => e.IpAddress == ip))
        {
            throw Error(403, "IpInUse", "The specified IP address is already in use.");
        }
        ip ??= NextIp();
        _instances[instance.InstanceId] = instance with { PublicIpAddress = ip };
        return new JsonObject { ["IpAddress"] = ip };
    }

    private JsonObject ReleasePublicIpAddress(IReadOnlyDictionary<string, string> p)
    {
        var ip = Required(p, "PublicIpAddress");
        var instanceId = p.GetValueOrDefault("InstanceId");
        var instance = instanceId is not null
            ? RequireInstance(instanceId)
            : _instances.Values.FirstOrDefault(i => i.PublicIpAddress == ip || i.NatPublicIpAddress == ip || EipIp(i) == ip);
        if (instance is null)
        {
            throw Error(400, "InvalidIpAddress.NotFound", "The specified public IP address does not exist.");
        }
        CheckInstanceUsable(instance);
        if (EipIp(instance) == ip)
        {
            // An EIP on a VPC instance is not the instance's own address: Alibaba refuses and points to the EIP APIs.
            throw Error(400, "OperationDenied", "The specified instance is in VPC.");
        }
        var isNat = instance.NatPublicIpAddress == ip;
        if (!isNat && instance.PublicIpAddress != ip)
        {
            throw Error(400, "InvalidIpAddress.NotFound", "The specified public IP address does not exist.");
        }
        if (instanceId is null && instance.ReleaseRequiresInstanceId)
        {
            throw Error(400, "InvalidIpAddress.NeedInstanceId", "The InstanceId parameter is required to release this public IP address.");
        }
        if (isNat && Now - instance.CreationTime > TimeSpan.FromHours(6))
        {
            throw Error(403, "Forbidden.ExceedDuration", "The NAT public IP address can only be released within 6 hours after the instance is created.");
        }
        if (instance.PublicIpReleases >= _options.PublicIpReleaseQuota)
        {
            throw Error(403, "OperationTimesOverLimit", "The number of public IP address releases for the instance exceeds the limit.");
        }
        // ECS API reference: DryRun "This parameter is not yet available"; strict mode takes it at its word.
        if (!_options.FollowReferenceStrictly && p.GetValueOrDefault("DryRun") is "true" or "True")
        {
            throw Error(400, "DryRunOperation", "Request validation has been passed with DryRun flag set.");
        }
        var released = instance with
        {
            PublicIpAddress = isNat ? instance.PublicIpAddress : null,
            NatPublicIpAddress = isNat ? null : instance.NatPublicIpAddress,
            PublicIpReleases = instance.PublicIpReleases + 1,
        };
        _instances[instance.InstanceId] = released;
        return new JsonObject { ["RemainTimes"] = (_options.PublicIpReleaseQuota - released.PublicIpReleases).ToString(CultureInfo.InvariantCulture) };
    }

    private JsonObject DescribeInstances(IReadOnlyDictionary<string, string> p)
    {
        var region = Required(p, "RegionId");
        var ids = p.TryGetValue("InstanceIds", out var raw) ? ParseIdList(raw) : null;
        var found = _instances.Values
            .Where(i => i.RegionId == region && (ids is null || ids.Contains(i.InstanceId)))
            .OrderBy(i => i.InstanceId, StringComparer.Ordinal)
            .Select(InstanceJson)
            .ToArray<JsonNode?>();
        return new JsonObject
        {
            ["TotalCount"] = found.Length,
            ["PageNumber"] = 1,
            ["PageSize"] = 100,
            ["Instances"] = new JsonObject { ["Instance"] = new JsonArray(found) },
        };
    }

    private JsonObject ConvertNatPublicIpToEip(IReadOnlyDictionary<string, string> p)
    {
        var instance = RequireInstance(Required(p, "InstanceId"));
        CheckInstanceUsable(instance);
        if (instance.InstanceNetworkType != "vpc")
        {
            throw Error(403, "OperationDenied", "Only instances in a VPC have a NAT public IP address to convert.");
        }
        if (instance.NatPublicIpAddress is not { } ip)
        {
            // [U] code name: the docs do not list one for "no NAT public IP".
            throw Error(403, "InvalidInstance.NoNatPublicIp", "The instance has no NAT public IP address.");
        }
        var eip = new EmulatorEip(NextId("eip-"), ip)
        {
            RegionId = instance.RegionId,
            Status = EipStatus.InUse,
            InstanceId = instance.InstanceId,
            InstanceType = "EcsInstance",
            Bandwidth = instance.InternetMaxBandwidthOut,
            AllocationTime = Now,
        };
        _eips[eip.AllocationId] = eip;
        _instances[instance.InstanceId] = instance with { NatPublicIpAddress = null, EipAllocationId = eip.AllocationId };
        return [];
    }

    private void CheckInstanceUsable(EmulatorInstance instance)
    {
        if (instance.SecurityLocked)
        {
            throw Error(403, "InstanceLockedForSecurity", "The specified instance is locked for security reasons.");
        }
        // The docs require Running or Stopped for AllocatePublicIpAddress; the emulator applies the same rule to
        // Release and Convert (their docs only list IncorrectInstanceStatus without naming the states).
        if (instance.Status is not (InstanceStatus.Running or InstanceStatus.Stopped))
        {
            throw Error(403, "IncorrectInstanceStatus", "The current status of the resource does not support this operation.");
        }
    }

    private JsonObject InstanceJson(EmulatorInstance i)
    {
        var eip = i.EipAllocationId is { } id ? _eips.GetValueOrDefault(id) : null;
        var publicIps = new[] { i.PublicIpAddress, i.NatPublicIpAddress }.Where(x => x is not null).Select(x => (JsonNode?)JsonValue.Create(x)).ToArray();
        return new JsonObject
        {
            ["InstanceId"] = i.InstanceId,
            ["RegionId"] = i.RegionId,
            ["Status"] = i.Status,
            ["InstanceNetworkType"] = i.InstanceNetworkType,
            ["InternetMaxBandwidthOut"] = i.InternetMaxBandwidthOut,
            // ECS answers CreationTime to the minute: 2017-12-10T04:04Z.
            ["CreationTime"] = i.CreationTime!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            ["VpcAttributes"] = new JsonObject
            {
                ["VpcId"] = i.VpcId ?? "",
                ["NatIpAddress"] = "",
                ["PrivateIpAddress"] = new JsonObject { ["IpAddress"] = new JsonArray() },
            },
            ["PublicIpAddress"] = new JsonObject { ["IpAddress"] = new JsonArray(publicIps) },
            ["EipAddress"] = new JsonObject
            {
                ["AllocationId"] = eip?.AllocationId ?? "",
                ["IpAddress"] = eip?.IpAddress ?? "",
                ["InternetChargeType"] = eip?.InternetChargeType ?? "",
            },
            ["OperationLocks"] = LocksJson(i.SecurityLocked),
        };
    }

    // ---- VPC EIP ------------------------------------------------------------------------------------------------------

    private (JsonObject, string?) AllocateEipAddress(IReadOnlyDictionary<string, string> p)
    {
        var prePaid = p.GetValueOrDefault("InstanceChargeType") == "PrePaid";
        var eip = new EmulatorEip(NextId("eip-"), NextIp())
        {
            RegionId = Required(p, "RegionId"),
            Bandwidth = p.TryGetValue("Bandwidth", out var bw) ? ParseInt(bw, "Bandwidth") : 5,
            InternetChargeType = p.GetValueOrDefault("InternetChargeType") ?? "PayByBandwidth",
            ChargeType = prePaid ? "PrePaid" : "PostPaid",
            ISP = p.GetValueOrDefault("ISP") ?? "BGP",
            Name = p.GetValueOrDefault("Name"),
            Description = p.GetValueOrDefault("Description"),
            ResourceGroupId = p.GetValueOrDefault("ResourceGroupId") ?? "rg-acfmdefault",
            Tags = ReadTags(p),
            AllocationTime = Now,
        };
        _eips[eip.AllocationId] = eip;
        var result = new JsonObject { ["AllocationId"] = eip.AllocationId, ["ResourceGroupId"] = eip.ResourceGroupId };
        // PrePaid EIPs are answered with an order; the address is only known once the order is paid.
        if (prePaid)
        {
            result["OrderId"] = NextId("");
        }
        else
        {
            result["EipAddress"] = eip.IpAddress;
        }
        return (result, null);
    }

    /// <summary>
    /// AllocateEipAddressPro with IpAddress (or InstanceId, the old EIP's id): gets back an address this account
    /// released, unless another account has it now. Alibaba's reference lists no error code for "not available";
    /// the emulator answers ReserveIpFail, the code AllocateEipAddress documents for an address it cannot reserve.
    /// </summary>
    private (JsonObject, string?) AllocateEipAddressPro(IReadOnlyDictionary<string, string> p)
    {
        var region = Required(p, "RegionId");
        var ip = p.GetValueOrDefault("IpAddress");
        var old = ip is not null ? _released.GetValueOrDefault(ip)
            : p.GetValueOrDefault("InstanceId") is { } oldId ? _released.Values.FirstOrDefault(e => e.AllocationId == oldId) : null;
        if (ip is null && old is null && !p.ContainsKey("InstanceId"))
        {
            return AllocateEipAddress(p);
        }
        if (old is null || old.RegionId != region || _takenByOthers.Contains(old.IpAddress) || _eips.Values.Any(e => e.IpAddress == old.IpAddress))
        {
            throw Error(400, "ReserveIpFail", "Reserve eip failed.");
        }
        _released.Remove(old.IpAddress);
        var eip = new EmulatorEip(NextId("eip-"), old.IpAddress)
        {
            RegionId = region,
            Bandwidth = p.TryGetValue("Bandwidth", out var bw) ? ParseInt(bw, "Bandwidth") : 5,
            InternetChargeType = p.GetValueOrDefault("InternetChargeType") ?? "PayByBandwidth",
            ChargeType = "PostPaid",
            ISP = p.GetValueOrDefault("ISP") ?? old.ISP,
            ResourceGroupId = p.GetValueOrDefault("ResourceGroupId") ?? "rg-acfmdefault",
            AllocationTime = Now,
        };
        _eips[eip.AllocationId] = eip;
        return (new JsonObject { ["AllocationId"] = eip.AllocationId, ["EipAddress"] = eip.IpAddress, ["ResourceGroupId"] = eip.ResourceGroupId }, null);
    }

    /// <summary>Another account allocates a released address: it can no longer be recovered.</summary>
    public void TakeByAnotherAccount(string ipAddress)
    {
        lock (_gate)
        {
            _takenByOthers.Add(ipAddress);
        }
    }

    private (JsonObject, string?) AssociateEipAddress(IReadOnlyDictionary<string, string> p)
    {
        var eip = RequireEip(Required(p, "AllocationId"));
        var instanceType = p.GetValueOrDefault("InstanceType") ?? "EcsInstance";
        var instanceId = Required(p, "InstanceId");
        CheckNotTransitioning(eip);
        if (eip.Status != EipStatus.Available)
        {
            throw Error(400, "IncorrectEipStatus", "The current status of the EIP does not support this operation.");
        }
        if (instanceType == "EcsInstance")
        {
            var instance = RequireInstance(instanceId);
            if (instance.EipAllocationId is { } other && _eips.TryGetValue(other, out var otherEip))
            {
                throw otherEip.PendingUntil is not null
                    ? Error(400, "OperationConflict", "Another operation on the instance is being processed.")
                    : Error(400, "InvalidAssociation.Duplicated", "The instance already has an EIP associated.");
            }
            if (instance.Status is not (InstanceStatus.Running or InstanceStatus.Stopped))
            {
                throw Error(400, "IncorrectInstanceStatus", "The current status of the instance does not support this operation.");
            }
            _instances[instanceId] = instance with { EipAllocationId = eip.AllocationId };
        }
        _eips[eip.AllocationId] = Begin(eip with
        {
            Status = EipStatus.Associating,
            InstanceId = instanceId,
            InstanceType = instanceType,
            PrivateIpAddress = p.GetValueOrDefault("PrivateIpAddress"),
        }, _options.AssociateDuration, p);
        return ([], eip.AllocationId);
    }

    private (JsonObject, string?) UnassociateEipAddress(IReadOnlyDictionary<string, string> p)
    {
        var eip = RequireEip(Required(p, "AllocationId"));
        CheckNotTransitioning(eip);
        if (eip.Status != EipStatus.InUse)
        {
            throw Error(400, "IncorrectEipStatus", "The current status of the EIP does not support this operation.");
        }
        if (p.GetValueOrDefault("InstanceId") is { } instanceId && instanceId != eip.InstanceId)
        {
            throw Error(400, "InvalidInstanceId.NotFound", "The EIP is not associated with the specified instance.");
        }
        _eips[eip.AllocationId] = Begin(eip with { Status = EipStatus.Unassociating }, _options.UnassociateDuration, p);
        return ([], eip.AllocationId);
    }

    private JsonObject ReleaseEipAddress(IReadOnlyDictionary<string, string> p)
    {
        var eip = RequireEip(Required(p, "AllocationId"));
        CheckNotTransitioning(eip);
        if (eip.DeletionProtection)
        {
            throw Error(400, "InvalidOperation.DeletionProtection", "The EIP has deletion protection enabled.");
        }
        if (eip.ChargeType == "PrePaid")
        {
            throw Error(400, "Forbidden.ChargeTypeIsPrepaid", "A subscription EIP cannot be released.");
        }
        if (eip.Status != EipStatus.Available)
        {
            throw Error(400, "IncorrectEipStatus", "The current status of the EIP does not support this operation.");
        }
        _eips[eip.AllocationId] = Begin(eip with { Status = EipStatus.Releasing }, _options.ReleaseDuration, p);
        return [];
    }

    private JsonObject DescribeEipAddresses(IReadOnlyDictionary<string, string> p)
    {
        var region = Required(p, "RegionId");
        var ids = p.GetValueOrDefault("AllocationId")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Paged as the API reference says: PageNumber from 1, PageSize 10 by default and at most 100.
        var pageNumber = p.TryGetValue("PageNumber", out var pn) ? ParseInt(pn, "PageNumber") : 1;
        var pageSize = p.TryGetValue("PageSize", out var ps) ? ParseInt(ps, "PageSize") : 10;
        if (pageNumber < 1 || pageSize is < 1 or > 100)
        {
            throw Error(400, "InvalidParameter", "PageNumber must be at least 1 and PageSize between 1 and 100.");
        }
        // The reference's other filters: EipAddress (comma list), Status, and Tag.N.Key/Value (every tag must match).
        var addresses = p.GetValueOrDefault("EipAddress")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var status = p.GetValueOrDefault("Status");
        var tags = ReadTags(p);
        var all = _eips.Values
            .Where(e => e.RegionId == region && (ids is null || ids.Contains(e.AllocationId)))
            .Where(e => (addresses is null || addresses.Contains(e.IpAddress)) && (status is null || e.Status == status)
                && tags.All(t => e.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
            .OrderBy(e => e.AllocationId, StringComparer.Ordinal)
            .ToList();
        var found = all.Skip((pageNumber - 1) * pageSize).Take(pageSize).Select(EipJson).ToArray<JsonNode?>();
        return new JsonObject
        {
            ["TotalCount"] = all.Count,
            ["PageNumber"] = pageNumber,
            ["PageSize"] = pageSize,
            ["EipAddresses"] = new JsonObject { ["EipAddress"] = new JsonArray(found) },
        };
    }

    private JsonObject ModifyEipAddressAttribute(IReadOnlyDictionary<string, string> p)
    {
        var eip = RequireEip(Required(p, "AllocationId"));
        CheckNotTransitioning(eip);
        _eips[eip.AllocationId] = eip with
        {
            Bandwidth = p.TryGetValue("Bandwidth", out var bw) ? ParseInt(bw, "Bandwidth") : eip.Bandwidth,
            Name = p.GetValueOrDefault("Name") ?? eip.Name,
            Description = p.GetValueOrDefault("Description") ?? eip.Description,
        };
        return [];
    }

    private JsonObject TagResources(IReadOnlyDictionary<string, string> p)
    {
        foreach (var eip in TaggedEips(p))
        {
            var tags = new Dictionary<string, string>(eip.Tags, StringComparer.Ordinal);
            foreach (var (key, value) in ReadTags(p))
            {
                tags[key] = value;
            }
            _eips[eip.AllocationId] = eip with { Tags = tags };
        }
        return [];
    }

    private JsonObject UntagResources(IReadOnlyDictionary<string, string> p)
    {
        var keys = Indexed(p, "TagKey").ToHashSet(StringComparer.Ordinal);
        var all = p.GetValueOrDefault("All") is "true" or "True";
        foreach (var eip in TaggedEips(p))
        {
            _eips[eip.AllocationId] = eip with
            {
                Tags = eip.Tags.Where(t => !all && !keys.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            };
        }
        return [];
    }

    private List<EmulatorEip> TaggedEips(IReadOnlyDictionary<string, string> p)
    {
        if (Required(p, "ResourceType") is not ("EIP" or "eip"))
        {
            throw Error(400, "InvalidParameter.ResourceType", "The emulator supports ResourceType EIP only.");
        }
        return Indexed(p, "ResourceId")
            .Select(id => _eips.GetValueOrDefault(id) ?? throw Error(404, "InvalidResourceId.NotFound", $"The resource {id} does not exist."))
            .ToList();
    }

    private JsonObject EipJson(EmulatorEip e) => new()
    {
        ["AllocationId"] = e.AllocationId,
        ["IpAddress"] = e.IpAddress,
        ["Status"] = e.Status,
        ["RegionId"] = e.RegionId,
        ["InstanceId"] = e.InstanceId ?? "",
        ["InstanceType"] = e.InstanceType ?? "",
        ["PrivateIpAddress"] = e.PrivateIpAddress ?? "",
        // The VPC API answers Bandwidth as a string.
        ["Bandwidth"] = e.Bandwidth.ToString(CultureInfo.InvariantCulture),
        ["InternetChargeType"] = e.InternetChargeType,
        ["ChargeType"] = e.ChargeType,
        ["ISP"] = e.ISP,
        ["Name"] = e.Name ?? "",
        ["Description"] = e.Description ?? "",
        ["ResourceGroupId"] = e.ResourceGroupId,
        ["DeletionProtection"] = e.DeletionProtection,
        ["Netmode"] = "public",
        ["AllocationTime"] = e.AllocationTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["OperationLocks"] = LocksJson(e.SecurityLocked),
        ["Tags"] = new JsonObject
        {
            ["Tag"] = new JsonArray(e.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => (JsonNode?)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value }).ToArray()),
        },
    };

    // ---- transitions --------------------------------------------------------------------------------------------------

    private EmulatorEip Begin(EmulatorEip eip, TimeSpan duration, IReadOnlyDictionary<string, string> p) =>
        eip with { PendingUntil = Now + duration, PendingToken = p.GetValueOrDefault("ClientToken") };

    private void CheckNotTransitioning(EmulatorEip eip)
    {
        if (eip.Status == EipStatus.Releasing)
        {
            throw Error(400, "IncorrectStatus", "The EIP is being released.");
        }
        if (eip.PendingUntil is not null)
        {
            throw Error(400, "TaskConflict", "The operation conflicts with a task that is in progress on the EIP.");
        }
    }

    /// <summary>Applies every transition whose time has come on the emulator clock (so real or manual time both work).</summary>
    private void Settle()
    {
        foreach (var eip in _eips.Values.Where(e => e.PendingUntil is { } until && until <= Now).ToList())
        {
            var done = eip with { PendingUntil = null, PendingToken = null };
            switch (eip.Status)
            {
                case EipStatus.Associating:
                    _eips[eip.AllocationId] = done with { Status = EipStatus.InUse };
                    break;
                case EipStatus.Unassociating:
                    if (eip.InstanceId is { } id && _instances.TryGetValue(id, out var instance) && instance.EipAllocationId == eip.AllocationId)
                    {
                        _instances[id] = instance with { EipAllocationId = null };
                    }
                    _eips[eip.AllocationId] = done with { Status = EipStatus.Available, InstanceId = null, InstanceType = null, PrivateIpAddress = null };
                    break;
                case EipStatus.Releasing:
                    _eips.Remove(eip.AllocationId);
                    _released[eip.IpAddress] = eip;
                    break;
                default:
                    _eips[eip.AllocationId] = done;
                    break;
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private EmulatorInstance RequireInstance(string id) =>
        _instances.GetValueOrDefault(id) ?? throw Error(404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.");

    private EmulatorEip RequireEip(string id) =>
        _eips.GetValueOrDefault(id) ?? throw Error(404, "InvalidAllocationId.NotFound", "The specified allocation ID does not exist.");

    private string? EipIp(EmulatorInstance instance) =>
        instance.EipAllocationId is { } id && _eips.TryGetValue(id, out var eip) ? eip.IpAddress : null;

    private static string Required(IReadOnlyDictionary<string, string> p, string name) =>
        p.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw Error(400, "MissingParameter", $"The input parameter \"{name}\" that is mandatory for processing this request is not supplied.");

    private static int ParseInt(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw Error(400, $"InvalidParameter.{name}", $"The specified {name} is invalid.");

    private static HashSet<string> ParseIdList(string raw)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            return document.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Error(400, "InvalidInstanceIds.Malformed", "The specified InstanceIds is not a valid JSON array.");
        }
    }

    private static IEnumerable<string> Indexed(IReadOnlyDictionary<string, string> p, string prefix)
    {
        for (var n = 1; p.TryGetValue($"{prefix}.{n}", out var value); n++)
        {
            yield return value;
        }
    }

    private static Dictionary<string, string> ReadTags(IReadOnlyDictionary<string, string> p)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var n = 1; p.TryGetValue($"Tag.{n}.Key", out var key); n++)
        {
            tags[key] = p.GetValueOrDefault($"Tag.{n}.Value") ?? "";
        }
        return tags;
    }

    private static JsonObject LocksJson(bool securityLocked) => new()
    {
        ["LockReason"] = securityLocked ? new JsonArray(new JsonObject { ["LockReason"] = "security" }) : new JsonArray(),
    };

    private string NextId(string prefix) => prefix + (++_counter).ToString("x12", CultureInfo.InvariantCulture);

    private string NextIp()
    {
        var n = ++_counter;
        return $"47.{100 + (n >> 16 & 0x7f)}.{n >> 8 & 0xff}.{n & 0xff}";
    }

    private static EmulatorErrorException Error(int status, string code, string message) => new(status, code, message);
}
