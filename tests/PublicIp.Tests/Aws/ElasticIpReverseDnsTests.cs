using Amazon.EC2;
using Amazon.EC2.Model;
using Grpc.Core;
using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>
/// reverseDnsName / ptrRecord through the published binary, against the proxy's emulation of EC2's PTR attribute
/// (moto has none of ModifyAddressAttribute, ResetAddressAttribute, DescribeAddressesAttribute).
/// </summary>
public class ElasticIpReverseDnsTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(700);

    private IReadOnlyList<string> Actions => Aws.Proxy.Journal.Actions;

    [Fact]
    public async Task Create_set_change_and_destroy_never_meet_PtrSet()
    {
        Aws.Proxy.Ptr.SettleDelay = Settle;
        await using var h = await Aws.StartPluginAsync();
        var created = (await h.UpAsync(Spec("mail", ("reverseDnsName", "mail.example.com")))).EnsureOk();
        var id = created.Id!;
        Assert.Equal("mail.example.com", created.Outputs.Str("ptrRecord"));
        Assert.Equal("mail.example.com.", Aws.Proxy.Ptr.RecordOf(id));
        // The create waited for EC2 to apply the update, polling while it was PENDING.
        Assert.True(Aws.Proxy.Journal.For("DescribeAddressesAttribute").Count >= 2);

        var changed = (await h.UpAsync(Spec("mail", ("reverseDnsName", "smtp.example.com")))).EnsureOk();
        Assert.Equal("smtp.example.com", changed.Outputs.Str("ptrRecord"));
        Assert.Equal("smtp.example.com.", Aws.Proxy.Ptr.RecordOf(id));
        Aws.Proxy.Journal.Clear();

        (await h.DestroyAsync("mail")).EnsureOk();

        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "ResetAddressAttribute"], Actions.Take(3));
        Assert.Equal("ReleaseAddress", Actions[^1]);
        Assert.All(Aws.Proxy.Journal.Entries, e => Assert.Null(e.ErrorCode)); // no InvalidAddress.PtrSet on the way
        Assert.Null(await Aws.FindInMotoAsync(id));
        Assert.Contains(h.Engine.Messages, m => m.Message.Contains("removing the reverse DNS record smtp.example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Removing_reverseDnsName_resets_the_record_and_waits()
    {
        Aws.Proxy.Ptr.SettleDelay = Settle;
        await using var h = await Aws.StartPluginAsync();
        var id = (await h.UpAsync(Spec("unset", ("reverseDnsName", "a.example.com")))).EnsureOk().Id!;

        var unset = (await h.UpAsync(Spec("unset"))).EnsureOk();

        Assert.Null(unset.Outputs.Str("ptrRecord"));
        Assert.Null(Aws.Proxy.Ptr.RecordOf(id));
        Assert.Single(Aws.Proxy.Journal.For("ResetAddressAttribute"));
        (await h.DestroyAsync("unset")).EnsureOk();
    }

    [Fact]
    public async Task Out_of_band_PTR_is_refused_by_the_first_read_before_any_change()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        await using var h = await Aws.StartPluginAsync();
        var up = (await h.UpAsync(Spec("theirs", ("instanceId", vm.InstanceId)))).EnsureOk();
        var id = up.Id!;
        Aws.Proxy.Ptr.SetApplied(id, up.Outputs.Str("publicIp")!, "mx.partner.example");
        Aws.Proxy.Journal.Clear();

        var refused = await h.DestroyAsync("theirs");

        Assert.Equal(StatusCode.FailedPrecondition, refused.Code);
        Assert.Contains("mx.partner.example", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"aws ec2 reset-address-attribute --allocation-id {id} --attribute domain-name --region us-east-1", refused.Error, StringComparison.Ordinal);
        Assert.Contains("reverseDnsName: mx.partner.example", refused.Error, StringComparison.Ordinal);
        // Only reads: the address is still associated and still in the stack.
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute"], Actions);
        Assert.True(h.State.ContainsKey("theirs"));
        Assert.Equal(vm.InstanceId, (await Aws.FindInMotoAsync(id))!.InstanceId);

        // Following the remedy lets the destroy through.
        using var ec2 = Ec2TestClient.Create(Aws.Proxy.Endpoint);
        Aws.Proxy.Ptr.SettleDelay = TimeSpan.Zero;
        await ec2.ResetAddressAttributeAsync(new ResetAddressAttributeRequest { AllocationId = id, Attribute = AddressAttributeName.DomainName });
        (await h.DestroyAsync("theirs")).EnsureOk();
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Import_reads_the_PTR_back_with_no_diff_and_destroy_resets_it()
    {
        var allocated = await Aws.Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc });
        Aws.Proxy.Ptr.SetApplied(allocated.AllocationId, allocated.PublicIp, "imported.example.com");
        Aws.Proxy.Ptr.SettleDelay = Settle;
        await using var h = await Aws.StartPluginAsync();

        var imported = (await h.ImportAsync(Type, "imported", allocated.AllocationId)).EnsureOk();

        Assert.Equal("imported.example.com", imported.Outputs.Str("ptrRecord"));
        Assert.Equal("imported.example.com", h.State["imported"].Inputs.Str("reverseDnsName"));
        var again = (await h.UpAsync(Spec("imported", ("reverseDnsName", "imported.example.com")))).EnsureOk();
        Assert.Equal(["Check", "Diff"], again.Calls);
        (await h.DestroyAsync("imported")).EnsureOk();
        Assert.Single(Aws.Proxy.Journal.For("ResetAddressAttribute"));
        Assert.Null(await Aws.FindInMotoAsync(allocated.AllocationId));
    }

    [Fact]
    public async Task Failed_forward_record_check_fails_the_update_with_EC2s_reason_and_changes_nothing_else()
    {
        Aws.Proxy.Ptr.SettleDelay = TimeSpan.FromMilliseconds(200);
        await using var h = await Aws.StartPluginAsync();
        var up = (await h.UpAsync(Spec("no-a-record"))).EnsureOk();
        Aws.Proxy.Ptr.ForwardRecordCheckFails = true;

        var failed = await h.UpAsync(Spec("no-a-record", ("reverseDnsName", "nowhere.example.com"), ("tags", new Dictionary<string, string> { ["team"] = "net" })));

        Assert.Equal(StatusCode.FailedPrecondition, failed.Code);
        Assert.Contains(PtrRecords.ForwardCheckReason("nowhere.example.com", up.Outputs.Str("publicIp")!), failed.Error, StringComparison.Ordinal);
        Assert.Contains($"nowhere.example.com A {up.Outputs.Str("publicIp")}", failed.Error, StringComparison.Ordinal);
        Assert.Empty(Aws.Proxy.Journal.For("CreateTags")); // the PTR step runs first and stops the update
        Assert.Null(h.State["no-a-record"].Outputs.Str("reverseDnsName"));
        (await h.DestroyAsync("no-a-record")).EnsureOk(); // a failed update left no record, so nothing blocks the release
    }

    [Fact]
    public async Task Preview_and_destroy_rehearsal_DryRun_the_PTR_calls()
    {
        await using var h = await Aws.StartPluginAsync();
        (await h.PreviewAsync(Spec("dry", ("reverseDnsName", "dry.example.com")))).EnsureOk();
        var probe = Assert.Single(Aws.Proxy.Journal.For("ModifyAddressAttribute"));
        Assert.True(probe.DryRun);

        Aws.Proxy.Ptr.SettleDelay = TimeSpan.Zero;
        var id = (await h.UpAsync(Spec("dry", ("reverseDnsName", "dry.example.com")))).EnsureOk().Id!;
        Aws.Proxy.Journal.Clear();
        (await h.PreviewAsync(Spec("dry"))).EnsureOk();
        Assert.True(Assert.Single(Aws.Proxy.Journal.For("ResetAddressAttribute")).DryRun);

        Aws.Proxy.Inject(Fault.DeniedOnDryRun("ModifyAddressAttribute"));
        var denied = await h.PreviewAsync(Spec("dry", ("reverseDnsName", "other.example.com")));
        Assert.Equal(StatusCode.PermissionDenied, denied.Code);
        Assert.Contains("ec2:ModifyAddressAttribute", denied.Error, StringComparison.Ordinal);

        await using var rehearsal = await Aws.StartPluginAsync(("rehearseDeletes", true));
        rehearsal.Adopt(h.State["dry"]);
        Aws.Proxy.Journal.Clear();
        var rehearsed = await rehearsal.DestroyAsync("dry");
        Assert.Equal(StatusCode.FailedPrecondition, rehearsed.Code);
        Assert.Contains("remove the reverse DNS record dry.example.com", rehearsed.Error, StringComparison.Ordinal);
        Assert.All(Aws.Proxy.Journal.Entries.Where(e => e.Action is "ResetAddressAttribute" or "ReleaseAddress"), e => Assert.True(e.DryRun));
        Assert.Equal("dry.example.com.", Aws.Proxy.Ptr.RecordOf(id));
        (await h.DestroyAsync("dry")).EnsureOk();
    }

    [Fact]
    public async Task Bad_reverseDnsName_is_a_check_failure_naming_the_property()
    {
        await using var h = await Aws.StartPluginAsync();
        var bad = await h.UpAsync(Spec("bad", ("reverseDnsName", "not a name")));
        Assert.Contains(bad.CheckFailures, f => f.Property == "reverseDnsName");
        var classic = await h.UpAsync(Spec("classic", ("domain", "standard"), ("reverseDnsName", "a.example.com")));
        Assert.Contains(classic.CheckFailures, f => f.Property == "reverseDnsName");
    }
}
