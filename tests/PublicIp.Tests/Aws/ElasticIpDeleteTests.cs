using Amazon.EC2.Model;
using Grpc.Core;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>
/// `pulumi destroy` of publicip:aws:ElasticIp through the published binary: disassociate then release in
/// every VPC kind, and every failure EC2 is known to give on the way, scripted at the proxy.
/// </summary>
public class ElasticIpDeleteTests(AwsFixture aws) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private async Task<(LifecycleHarness H, string Id, string Ip)> UpAsync(string name, params (string, object?)[] inputs)
    {
        var h = await Aws.StartPluginAsync();
        try
        {
            var up = (await h.UpAsync(Spec(name, inputs))).EnsureOk();
            Aws.Proxy.Journal.Clear();
            return (h, up.Id!, up.Outputs.Str("publicIp")!);
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Default_vpc_destroy_is_describe_disassociate_release()
    {
        var vm = await Aws.DefaultVpcInstanceAsync();
        var (h, id, _) = await UpAsync("default-vpc", ("instanceId", vm.InstanceId));
        await using var _ = h;

        (await h.DestroyAsync("default-vpc")).EnsureOk();

        // Telling default from non-default VPC would cost a call itself, so an associated address is always
        // disassociated first: the same calls in both kinds (the PTR read included), and no failing call in the non-default one.
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "DisassociateAddress", "ReleaseAddress"], Aws.Proxy.Journal.Actions);
        Assert.Equal(id, Aws.Proxy.Journal.For("ReleaseAddress").Single().Get("AllocationId"));
        Assert.Equal("us-east-1", Aws.Proxy.Journal.For("ReleaseAddress").Single().Get("NetworkBorderGroup"));
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Unassociated_address_skips_the_disassociate()
    {
        var (h, id, _) = await UpAsync("free");
        await using var _ = h;
        (await h.DestroyAsync("free")).EnsureOk();
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "ReleaseAddress"], Aws.Proxy.Journal.Actions);
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Non_default_vpc_instance_and_eni_destroy_succeed_against_the_InUse_rule()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync();
        var byInstance = (await h.UpAsync(Spec("on-instance", ("instanceId", net.InstanceId)))).EnsureOk();
        var byEni = (await h.UpAsync(Spec("on-eni", ("networkInterfaceId", net.NetworkInterfaceId), ("privateIpAddress", net.NetworkInterfaceSecondaryPrivateIp)))).EnsureOk();
        Assert.Equal(net.NetworkInterfaceSecondaryPrivateIp, byEni.Outputs.Str("privateIpAddress"));
        Assert.Equal(net.NetworkInterfaceId, byEni.Outputs.Str("networkInterfaceId"));

        (await h.DestroyAsync("on-instance")).EnsureOk();
        Aws.Proxy.Journal.Clear();
        (await h.DestroyAsync("on-eni")).EnsureOk();

        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "DisassociateAddress", "ReleaseAddress"], Aws.Proxy.Journal.Actions);
        Assert.All(Aws.Proxy.Journal.Entries, e => Assert.Null(e.ErrorCode)); // no InvalidIPAddress.InUse on the way
        Assert.Null(await Aws.FindInMotoAsync(byInstance.Id!));
        Assert.Null(await Aws.FindInMotoAsync(byEni.Id!));
    }

    [Fact]
    public async Task InUse_just_after_the_disassociate_is_retried()
    {
        var net = await Aws.NonDefaultVpcAsync();
        var (h, id, ip) = await UpAsync("in-use", ("instanceId", net.InstanceId));
        await using var _ = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.InUse(ip)).ForAllocationId(id).FiresTimes(2));

        (await h.DestroyAsync("in-use")).EnsureOk();

        Assert.Equal(2, fault.Fired);
        Assert.Equal(3, Aws.Proxy.Journal.For("ReleaseAddress").Count);
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task InUse_that_never_clears_fails_with_its_diagnostic_before_the_deadline()
    {
        var net = await Aws.NonDefaultVpcAsync();
        var (h, id, ip) = await UpAsync("stays-in-use", ("instanceId", net.InstanceId));
        await using var _ = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.InUse(ip)).ForAllocationId(id).Always());

        var result = await h.DestroyAsync("stays-in-use", timeoutSeconds: 4);

        Assert.Equal(StatusCode.FailedPrecondition, result.Code);
        Assert.Contains("[InvalidIPAddress.InUse]", result.Error, StringComparison.Ordinal);
        Assert.True(fault.Fired >= 2, "retried while EC2 could still be catching up");
        Assert.True(h.State.ContainsKey("stays-in-use"));
        fault.Remove();
        (await h.DestroyAsync("stays-in-use")).EnsureOk();
    }

    [Fact]
    public async Task Double_delete_is_a_success_with_a_warning()
    {
        var (h, _, _) = await UpAsync("twice");
        await using var _h = h;
        var entry = h.State["twice"];
        (await h.DestroyAsync("twice")).EnsureOk();

        h.Adopt(entry); // a stale state file replayed
        (await h.DestroyAsync("twice")).EnsureOk();

        Assert.Contains(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("already gone", StringComparison.Ordinal));
        Assert.Single(Aws.Proxy.Journal.For("ReleaseAddress"));
    }

    [Fact]
    public async Task Released_to_another_account_is_a_success_with_a_warning_saying_so()
    {
        var (h, id, _) = await UpAsync("foreign");
        await using var _ = h;
        await Aws.Proxy.ReleaseToAnotherAccountAsync(id);

        (await h.DestroyAsync("foreign")).EnsureOk();

        // One warning that says what happened, not a generic "already gone" after it.
        var warning = Assert.Single(AwsFixture.Said(h, LogSeverity.Warning));
        Assert.Contains("another AWS account", warning, StringComparison.Ordinal);
        Assert.Contains(id, warning, StringComparison.Ordinal);
        Assert.Empty(Aws.Proxy.Journal.For("ReleaseAddress"));
    }

    [Fact]
    public async Task AuthFailure_on_release_with_the_address_still_ours_is_released_to_another_account_midway()
    {
        // Describe still lists it on the first look, then the release says AuthFailure and Describe now does too.
        var (h, id, _) = await UpAsync("foreign-late");
        await using var _ = h;
        Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.AuthFailureNotYours(id)).ForAllocationId(id).Always());
        Aws.Proxy.Inject(Fault.Error("DescribeAddresses", Ec2Error.AuthFailureNotYours(id)).Always()
            .When(r => r.Mentions("AllocationId", id) && Aws.Proxy.Journal.For("ReleaseAddress").Count > 0));

        (await h.DestroyAsync("foreign-late")).EnsureOk();

        Assert.Single(Aws.Proxy.Journal.For("ReleaseAddress"));
        Assert.Contains(AwsFixture.Said(h, LogSeverity.Warning), m => m.Contains("another AWS account", StringComparison.Ordinal));
        await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = id });
    }

    [Fact]
    public async Task Held_by_a_managed_service_is_retried_until_it_lets_go()
    {
        var (h, id, _) = await UpAsync("nat-held");
        await using var _ = h;
        var hold = Aws.Proxy.HoldByManagedService(id, attempts: 2);

        (await h.DestroyAsync("nat-held")).EnsureOk();

        Assert.Equal(2, hold.Fired);
        Assert.Equal(3, Aws.Proxy.Journal.For("ReleaseAddress").Count);
        Assert.Contains(h.Engine.Messages, m => m.Ephemeral && m.Message.Contains("still held", StringComparison.Ordinal));
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Held_forever_fails_within_the_timeout_naming_the_holder_and_keeps_state()
    {
        var net = await Aws.NonDefaultVpcAsync();
        var (h, id, _) = await UpAsync("nat-stuck", ("networkInterfaceId", net.NetworkInterfaceId));
        await using var _ = h;
        var hold = Aws.Proxy.HoldByManagedService(id, attempts: int.MaxValue);

        var started = DateTime.UtcNow;
        var result = await h.DestroyAsync("nat-stuck", timeoutSeconds: 5);

        Assert.Equal(StatusCode.FailedPrecondition, result.Code);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(6), "the diagnostic must come before the engine's deadline");
        Assert.Contains(net.NetworkInterfaceId, result.Error, StringComparison.Ordinal);
        Assert.Contains("[AuthFailure]", result.Error, StringComparison.Ordinal);
        Assert.True(hold.Fired >= 2);
        Assert.True(h.State.ContainsKey("nat-stuck"));

        hold.Remove();
        (await h.DestroyAsync("nat-stuck")).EnsureOk();
    }

    [Theory]
    [InlineData("InvalidAddress.PtrSet", "reverse DNS")]
    [InlineData("InvalidAddress.Locked", "locked")]
    public async Task PtrSet_and_Locked_fail_with_their_remedy_and_keep_state(string code, string words)
    {
        var (h, id, _) = await UpAsync("ptr");
        await using var _ = h;
        var error = code == "InvalidAddress.PtrSet" ? Ec2Error.PtrSet(id) : Ec2Error.Locked(id);
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", error).ForAllocationId(id).Always());

        var result = await h.DestroyAsync("ptr");

        Assert.Equal(StatusCode.FailedPrecondition, result.Code);
        Assert.Contains(words, result.Error, StringComparison.Ordinal);
        Assert.Contains($"[{code}]", result.Error, StringComparison.Ordinal);
        Assert.Contains("'ptr'", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, fault.Fired);
        Assert.True(h.State.ContainsKey("ptr"));
        fault.Remove();
        (await h.DestroyAsync("ptr")).EnsureOk();
    }

    [Fact]
    public async Task UnauthorizedOperation_is_never_retried_and_names_the_IAM_action()
    {
        var (h, id, _) = await UpAsync("denied");
        await using var _ = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.UnauthorizedOperation()).Always());

        var result = await h.DestroyAsync("denied");

        Assert.Equal(StatusCode.PermissionDenied, result.Code);
        Assert.Contains("ec2:ReleaseAddress", result.Error, StringComparison.Ordinal);
        Assert.Single(Aws.Proxy.Journal.For("ReleaseAddress"));
        Assert.DoesNotContain("testing", result.Error, StringComparison.Ordinal); // the fixture's access key
        fault.Remove();
        (await h.DestroyAsync("denied")).EnsureOk();
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Wrong_network_border_group_is_an_error_naming_the_group_and_keeps_state()
    {
        var (h, id, ip) = await UpAsync("nbg");
        await using var _ = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.InvalidAddressNotFound(ip)).ForAllocationId(id).Always());

        var result = await h.DestroyAsync("nbg");

        Assert.NotEqual(StatusCode.OK, result.Code);
        Assert.Contains("network border group 'us-east-1'", result.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("nbg"));
        Assert.NotNull(await Aws.FindInMotoAsync(id));
        fault.Remove();
        (await h.DestroyAsync("nbg")).EnsureOk();
    }

    [Fact]
    public async Task Throttling_is_waited_out_within_the_deadline_whatever_awsMaxRetries_says()
    {
        var (h, id, _) = await UpAsync("throttled");
        await using var _h = h;
        // awsMaxRetries is 1 in the fixture; it counts server errors, not throttling, which waits until the deadline.
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.RequestLimitExceeded()).FiresTimes(4));

        (await h.DestroyAsync("throttled")).EnsureOk();

        Assert.Equal(4, fault.Fired);
        Assert.Null(await Aws.FindInMotoAsync(id));
        Assert.Contains(h.Engine.Messages, m => m.Ephemeral && m.Message.Contains("throttled by EC2 (RequestLimitExceeded)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_deadline_fails_with_the_destroy_remedy_and_keeps_state()
    {
        var (h, id, _) = await UpAsync("throttled-long");
        await using var _h = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.RequestLimitExceeded()).Always());

        var result = await h.DestroyAsync("throttled-long", timeoutSeconds: 3);

        fault.Remove();
        Assert.Equal(StatusCode.Unavailable, result.Code);
        Assert.Contains("[RequestLimitExceeded]", result.Error, StringComparison.Ordinal);
        Assert.Contains("pulumi destroy --parallel", result.Error, StringComparison.Ordinal);
        Assert.Contains("customTimeouts", result.Error, StringComparison.Ordinal);
        Assert.Contains("awsRequestRateScale", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pulumi up", result.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("throttled-long"));
        Assert.NotNull(await Aws.FindInMotoAsync(id));
        (await h.DestroyAsync("throttled-long")).EnsureOk();
    }

    [Fact]
    public async Task Interface_missing_right_after_a_NAT_gateway_delete_is_retried()
    {
        var (h, id, _) = await UpAsync("nat-gone");
        await using var _ = h;
        var fault = Aws.Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.InvalidNetworkInterfaceIdNotFound("eni-0123456789abcdef0")).ForAllocationId(id).FiresTimes(1));
        (await h.DestroyAsync("nat-gone")).EnsureOk();
        Assert.Equal(1, fault.Fired);
        Assert.Null(await Aws.FindInMotoAsync(id));
    }

    [Fact]
    public async Task Destroy_rehearsal_keeps_state_and_sends_only_DryRun_changes()
    {
        var net = await Aws.NonDefaultVpcAsync();
        await using var h = await Aws.StartPluginAsync(("rehearseDeletes", true));
        var up = (await h.UpAsync(Spec("rehearsed", ("instanceId", net.InstanceId)))).EnsureOk();
        Aws.Proxy.Journal.Clear();

        var result = await h.DestroyAsync("rehearsed");

        Assert.Equal(StatusCode.FailedPrecondition, result.Code);
        Assert.Contains("rehears", result.Error, StringComparison.Ordinal);
        Assert.True(h.State.ContainsKey("rehearsed"));
        Assert.Equal(["DescribeAddresses", "DescribeAddressesAttribute", "DisassociateAddress", "ReleaseAddress"], Aws.Proxy.Journal.Actions);
        Assert.All(Aws.Proxy.Journal.Entries.Where(e => !e.Action.StartsWith("Describe", StringComparison.Ordinal)), e => Assert.True(e.DryRun));
        var still = await Aws.FindInMotoAsync(up.Id!);
        Assert.NotNull(still);
        Assert.Equal(net.InstanceId, still.InstanceId);
        await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = up.Id });
    }
}
