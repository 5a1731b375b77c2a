using PublicIp.Harness;
using PublicIp.Tests.Alicloud;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Every preview and rehearsal path, through the published binary, for all five resources and each shape (VPC and
/// standard addresses, associated or not, with a PTR record, an EIP with an instance, classic and VPC instances): Check,
/// Diff, Create and Update with preview, Read (refresh and import) and Delete with rehearseDeletes. Every call that
/// reaches the EC2 proxy or the Alibaba emulator during them is recorded, and each must be a read, or carry
/// DryRun=true on an EC2 action whose reference documents DryRun. The Alibaba emulator follows the reference strictly
/// (a DryRun that is "not yet available" is ignored), and no VPC or ECS call the provider makes has a usable DryRun,
/// so there only reads may be sent.
/// </summary>
public class PreviewNeverMutatesTests(StrictAlibabaFixture strict, AwsFixture aws) : IClassFixture<StrictAlibabaFixture>, IClassFixture<AwsFixture>
{
    /// <summary>EC2 actions the provider may send in a preview, and whose API reference documents DryRun.</summary>
    private static readonly HashSet<string> Ec2DryRunDocumented = new(StringComparer.Ordinal)
    {
        "AllocateAddress", "AssociateAddress", "DisassociateAddress", "ReleaseAddress", "CreateTags", "DeleteTags",
        "ModifyAddressAttribute", "ResetAddressAttribute",
    };

    private const string ElasticIp = "publicip:aws:ElasticIp";
    private const string ElasticIpAssociation = "publicip:aws:ElasticIpAssociation";
    private const string EipAssociation = "publicip:alicloud:EipAssociation";

    private readonly List<string> _violations = [];
    private int _reads;
    private int _dryRuns;

    private static bool IsRead(string? action) =>
        action is not null && (action.StartsWith("Describe", StringComparison.Ordinal) || action.StartsWith("Get", StringComparison.Ordinal)
                               || action.StartsWith("List", StringComparison.Ordinal));

    /// <summary>Runs one preview or rehearsal step and checks every call it made at both clouds.</summary>
    private async Task<StepResult> Audited(string what, Func<Task<StepResult>> step)
    {
        var ec2Before = aws.Proxy.Journal.Entries.Count;
        var aliBefore = strict.Emulator.Requests.Count;
        var result = await step();
        foreach (var call in aws.Proxy.Journal.Entries.Skip(ec2Before))
        {
            if (IsRead(call.Action))
            {
                _reads++;
            }
            else if (call.DryRun && Ec2DryRunDocumented.Contains(call.Action))
            {
                _dryRuns++;
            }
            else
            {
                _violations.Add($"{what}: ec2:{call.Action}{(call.DryRun ? " (DryRun, but not an action documented with it)" : " without DryRun")}");
            }
        }
        foreach (var call in strict.Emulator.Requests.Skip(aliBefore))
        {
            if (IsRead(call.Action))
            {
                _reads++;
            }
            else
            {
                _violations.Add($"{what}: Alibaba {call.Action}{(call.Parameters.ContainsKey("DryRun") ? " with a DryRun the reference does not offer" : "")}");
            }
        }
        return result;
    }

    private static ResourceSpec Spec(string type, string name, params (string, object?)[] inputs) => new(type, name, Props.Map(inputs));

    /// <summary>Preview of creation, up, a preview of <paramref name="change"/>, refresh, import and a rehearsed destroy; then the real destroy.</summary>
    private async Task Lifecycle(LifecycleHarness h, LifecycleHarness rehearsing, string shape, ResourceSpec spec, ResourceSpec change)
    {
        (await Audited($"{shape}: preview of create", () => h.PreviewAsync(spec))).EnsureOk();
        var up = (await h.UpAsync(spec)).EnsureOk();
        (await Audited($"{shape}: preview of an update", () => h.PreviewAsync(change))).EnsureOk();
        (await Audited($"{shape}: preview with no change", () => h.PreviewAsync(spec))).EnsureOk();
        (await Audited($"{shape}: refresh", () => h.RefreshAsync(spec.Name))).EnsureOk();
        (await Audited($"{shape}: import", () => rehearsing.ImportAsync(spec.Type, spec.Name + "-imported", up.Id!))).EnsureOk();
        rehearsing.Adopt(h.State[spec.Name]);
        var rehearsal = await Audited($"{shape}: rehearsed destroy", () => rehearsing.DestroyAsync(spec.Name));
        Assert.Contains("rehearsal", rehearsal.Error, StringComparison.Ordinal);
        (await h.DestroyAsync(spec.Name)).EnsureOk();
    }

    [Fact]
    public async Task No_ElasticIp_preview_or_rehearsal_sends_an_EC2_call_that_can_change_anything_without_DryRun()
    {
        aws.Reset();
        var vm = await aws.DefaultVpcInstanceAsync();
        var net = await aws.NonDefaultVpcAsync();
        await using var h = await aws.StartPluginAsync();
        await using var rehearsing = await aws.StartPluginAsync(("rehearseDeletes", true));

        await Lifecycle(h, rehearsing, "vpc, unassociated, tags",
            Spec(ElasticIp, "plain", ("tags", new Dictionary<string, string> { ["team"] = "net" })),
            Spec(ElasticIp, "plain", ("tags", new Dictionary<string, string> { ["team"] = "edge" }), ("instanceId", vm.InstanceId)));
        await Lifecycle(h, rehearsing, "vpc, associated with an instance (default VPC)",
            Spec(ElasticIp, "instance", ("instanceId", vm.InstanceId)),
            Spec(ElasticIp, "instance"));
        await Lifecycle(h, rehearsing, "vpc, associated with an interface (non-default VPC)",
            Spec(ElasticIp, "eni", ("networkInterfaceId", net.NetworkInterfaceId)),
            Spec(ElasticIp, "eni", ("instanceId", net.InstanceId)));
        await Lifecycle(h, rehearsing, "vpc, with a PTR record",
            Spec(ElasticIp, "ptr", ("reverseDnsName", "mail.example.com")),
            Spec(ElasticIp, "ptr", ("reverseDnsName", "smtp.example.com")));
        await Lifecycle(h, rehearsing, "standard",
            Spec(ElasticIp, "classic", ("domain", "standard")),
            Spec(ElasticIp, "classic", ("domain", "standard"), ("tags", new Dictionary<string, string> { ["team"] = "old" })));
        // A replacement's preview: Check, Diff and Create with preview.
        (await h.UpAsync(Spec(ElasticIp, "replaced"))).EnsureOk();
        (await Audited("vpc: preview of a replacement", () => h.PreviewAsync(Spec(ElasticIp, "replaced", ("domain", "standard"))))).EnsureOk();
        (await h.DestroyAsync("replaced")).EnsureOk();
        // An association of an address the stack has; its change of target is a replacement, previewed as a Create.
        var held = (await h.UpAsync(Spec(ElasticIp, "held"))).EnsureOk();
        await Lifecycle(h, rehearsing, "association with an instance (non-default VPC)",
            Spec(ElasticIpAssociation, "association", ("allocationId", held.Id), ("instanceId", net.InstanceId)),
            Spec(ElasticIpAssociation, "association", ("allocationId", held.Id), ("networkInterfaceId", net.NetworkInterfaceId)));
        (await h.DestroyAsync("held")).EnsureOk();

        Assert.Empty(_violations);
        Assert.True(_dryRuns >= 10, $"{_dryRuns} DryRun calls audited");
        Assert.True(_reads >= 20, $"{_reads} reads audited");
    }

    [Fact]
    public async Task No_Alibaba_preview_or_rehearsal_sends_a_call_that_can_change_anything()
    {
        await using var h = await strict.StartPluginAsync();
        await using var rehearsing = await strict.StartPluginAsync(("rehearseDeletes", true));
        var vpcInstance = strict.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-audit" });
        var other = strict.AddInstance(i => i with { InstanceNetworkType = "vpc", VpcId = "vpc-audit" });

        await Lifecycle(h, rehearsing, "EIP, unassociated",
            Spec(AlibabaFixture.EipType, "eip", ("bandwidth", 1), ("description", "audit")),
            Spec(AlibabaFixture.EipType, "eip", ("bandwidth", 2), ("description", "audited"), ("instanceId", other.InstanceId)));
        await Lifecycle(h, rehearsing, "EIP with an instance",
            Spec(AlibabaFixture.EipType, "bound", ("bandwidth", 1), ("instanceId", vpcInstance.InstanceId)),
            Spec(AlibabaFixture.EipType, "bound", ("bandwidth", 1)));
        var held = (await h.UpAsync(Spec(AlibabaFixture.EipType, "held", ("bandwidth", 1)))).EnsureOk();
        await Lifecycle(h, rehearsing, "EIP association",
            Spec(EipAssociation, "association", ("allocationId", held.Id), ("instanceId", vpcInstance.InstanceId)),
            Spec(EipAssociation, "association", ("allocationId", held.Id), ("instanceId", other.InstanceId)));
        (await h.DestroyAsync("held")).EnsureOk();
        var classic = strict.AddInstance();
        await Lifecycle(h, rehearsing, "instance public IP, classic",
            Spec(AlibabaFixture.InstanceType, "classic", ("instanceId", classic.InstanceId)),
            Spec(AlibabaFixture.InstanceType, "classic", ("instanceId", classic.InstanceId), ("vpcRelease", "convertToEip")));

        // A VPC instance's NAT public IP exists before the stack does: import it, then preview and rehearse its release.
        var nat = strict.AddInstance(i => i with
        {
            InstanceNetworkType = "vpc", VpcId = "vpc-audit", NatPublicIpAddress = "47.3.0." + Random.Shared.Next(1, 250), CreationTime = DateTimeOffset.UtcNow.AddHours(-7),
        });
        (await Audited("instance public IP, VPC: import", () => h.ImportAsync(AlibabaFixture.InstanceType, "nat", nat.InstanceId))).EnsureOk();
        var convert = Spec(AlibabaFixture.InstanceType, "nat", ("instanceId", nat.InstanceId), ("vpcRelease", "convertToEip"));
        (await Audited("instance public IP, VPC: preview of an update", () => h.PreviewAsync(convert))).EnsureOk();
        (await h.UpAsync(convert)).EnsureOk();
        (await Audited("instance public IP, VPC: refresh", () => h.RefreshAsync("nat"))).EnsureOk();
        rehearsing.Adopt(h.State["nat"]);
        var rehearsal = await Audited("instance public IP, VPC: rehearsed destroy", () => rehearsing.DestroyAsync("nat"));
        Assert.Contains("rehearsal", rehearsal.Error, StringComparison.Ordinal);
        Assert.NotNull(strict.World.GetInstance(nat.InstanceId)!.NatPublicIpAddress);

        Assert.Empty(_violations);
        Assert.True(_reads >= 15, $"{_reads} reads audited");
    }
}
