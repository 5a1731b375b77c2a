using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation.Tests;

/// <summary>The proxy's emulation of EC2's reverse DNS attribute calls, driven with the AWS SDK's own models.</summary>
public sealed class PtrEmulationTests(MotoProxyFixture env) : ProxyTestBase(env), IClassFixture<MotoProxyFixture>
{
    private async Task<AddressAttribute?> DescribeAttributeAsync(string allocationId) =>
        ((await Ec2.DescribeAddressesAttributeAsync(new DescribeAddressesAttributeRequest
        {
            AllocationIds = [allocationId],
            Attribute = AddressAttributeName.DomainName,
        }, Ct)).Addresses ?? []).SingleOrDefault();

    [Fact]
    public async Task Modify_is_pending_then_applied_and_blocks_the_release_until_reset()
    {
        Proxy.Ptr.SettleDelay = TimeSpan.FromMilliseconds(300);
        var allocationId = await AllocateAsync();
        Assert.Null(await DescribeAttributeAsync(allocationId)); // no record, no update: not listed

        var modified = await Ec2.ModifyAddressAttributeAsync(new ModifyAddressAttributeRequest { AllocationId = allocationId, DomainName = "Mail.Example.com" }, Ct);
        Assert.Equal(allocationId, modified.Address.AllocationId);
        Assert.Null(modified.Address.PtrRecord);
        Assert.Equal("mail.example.com.", modified.Address.PtrRecordUpdate.Value);
        Assert.Equal("PENDING", modified.Address.PtrRecordUpdate.Status);

        var pendingRelease = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));
        Assert.Equal("InvalidAddress.PtrSet", pendingRelease.ErrorCode);

        await Task.Delay(400, Ct);
        var applied = await DescribeAttributeAsync(allocationId);
        Assert.Equal("mail.example.com.", applied!.PtrRecord);
        Assert.Null(applied.PtrRecordUpdate);
        Assert.Equal((await DescribeInMotoAsync(allocationId))!.PublicIp, applied.PublicIp);
        var setRelease = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));
        Assert.Equal("InvalidAddress.PtrSet", setRelease.ErrorCode);

        var reset = await Ec2.ResetAddressAttributeAsync(new ResetAddressAttributeRequest { AllocationId = allocationId, Attribute = AddressAttributeName.DomainName }, Ct);
        Assert.Equal("mail.example.com.", reset.Address.PtrRecord); // the record stays until the reset is applied
        Assert.Equal("PENDING", reset.Address.PtrRecordUpdate.Status);
        await Task.Delay(400, Ct);
        Assert.Null(await DescribeAttributeAsync(allocationId));

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);
        Assert.Null(await DescribeInMotoAsync(allocationId));
    }

    [Fact]
    public async Task Failed_forward_check_ends_FAILED_with_a_reason_and_keeps_the_old_record()
    {
        Proxy.Ptr.SettleDelay = TimeSpan.FromMilliseconds(100);
        var allocationId = await AllocateAsync();
        var ip = (await DescribeInMotoAsync(allocationId))!.PublicIp;
        Proxy.Ptr.SetApplied(allocationId, ip, "old.example.com");
        Proxy.Ptr.ForwardRecordCheckFails = true;

        await Ec2.ModifyAddressAttributeAsync(new ModifyAddressAttributeRequest { AllocationId = allocationId, DomainName = "new.example.com" }, Ct);
        await Task.Delay(200, Ct);

        var failed = await DescribeAttributeAsync(allocationId);
        Assert.Equal("old.example.com.", failed!.PtrRecord);
        Assert.Equal("FAILED", failed.PtrRecordUpdate.Status);
        Assert.Equal(PtrRecords.ForwardCheckReason("new.example.com", ip), failed.PtrRecordUpdate.Reason);
    }

    [Fact]
    public async Task DryRun_unknown_allocation_and_bad_attribute_answer_as_EC2_does()
    {
        var allocationId = await AllocateAsync();
        var dryRun = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ModifyAddressAttributeAsync(
            new ModifyAddressAttributeRequest { AllocationId = allocationId, DomainName = "a.example.com", DryRun = true }, Ct));
        Assert.Equal("DryRunOperation", dryRun.ErrorCode);
        Assert.Null(await DescribeAttributeAsync(allocationId)); // nothing changed
        var resetDryRun = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ResetAddressAttributeAsync(
            new ResetAddressAttributeRequest { AllocationId = allocationId, Attribute = AddressAttributeName.DomainName, DryRun = true }, Ct));
        Assert.Equal("DryRunOperation", resetDryRun.ErrorCode);

        var missing = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ModifyAddressAttributeAsync(
            new ModifyAddressAttributeRequest { AllocationId = "eipalloc-0000000000000dead", DomainName = "a.example.com" }, Ct));
        Assert.Equal("InvalidAllocationID.NotFound", missing.ErrorCode);
        var badName = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ModifyAddressAttributeAsync(
            new ModifyAddressAttributeRequest { AllocationId = allocationId, DomainName = "not a name" }, Ct));
        Assert.Equal("InvalidParameterValue", badName.ErrorCode);
        Assert.All(Proxy.Journal.Entries.Where(e => e.Action != "AllocateAddress"), e => Assert.Equal(Ec2Outcome.Emulated, e.Outcome));
    }
}
