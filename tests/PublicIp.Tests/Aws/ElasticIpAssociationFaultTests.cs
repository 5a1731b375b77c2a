using Amazon.EC2.Model;
using Grpc.Core;
using Pulumirpc;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using Xunit.Abstractions;

namespace PublicIp.Tests.Aws;

/// <summary>
/// publicip:aws:ElasticIpAssociation under EC2's throttling and faults, through the published binary against moto
/// behind the fault proxy: many associations made and removed at once, and the answers EC2 gives a disassociate
/// (a server error, an association someone else removed, a refusal).
/// </summary>
public class ElasticIpAssociationFaultTests(AwsFixture aws, ITestOutputHelper output) : ElasticIpTestBase(aws), IClassFixture<AwsFixture>
{
    private const string AssociationType = "publicip:aws:ElasticIpAssociation";
    private const int Parallel = 16;

    private static ResourceSpec Association(string name, params (string, object?)[] inputs) => new(AssociationType, name, Props.Map(inputs));

    private async Task<IReadOnlyList<string>> InterfacesAsync(int count)
    {
        var net = await Aws.NonDefaultVpcAsync();
        var made = new List<string>();
        for (var i = 0; i < count; i++)
        {
            made.Add((await Aws.Ec2.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { SubnetId = net.SubnetId })).NetworkInterface.NetworkInterfaceId);
        }
        return made;
    }

    [Fact]
    public async Task Sixty_associations_made_and_removed_at_parallel_16_wait_out_every_throttled_answer()
    {
        const int count = 60;
        var fleet = await Ec2Fleet.AllocateAsync(Aws.Ec2, count, associated: 0);
        var enis = await InterfacesAsync(count);
        // Another tool has just spent the account's AssociateAddress and DisassociateAddress buckets, and EC2 refills
        // them at four times the documented rate while the plugin budgets for ten times it: EC2 answers
        // RequestLimitExceeded at once, and every one must be waited out.
        using var throttling = new Ec2Throttling(refillScale: 4);
        void Spend(string action)
        {
            while (throttling.TryTake(Ec2TestClient.DefaultRegion, action))
            {
            }
        }
        await using var h = await Aws.StartPluginAsync(("awsRequestRateScale", 10));
        Aws.Proxy.Journal.Clear();
        Aws.Proxy.Throttling = throttling;
        ParallelOutcome[] made, removed;
        var specs = fleet.Select((a, i) => Association($"assoc-{i}", ("allocationId", a.AllocationId), ("networkInterfaceId", enis[i]))).ToList();
        try
        {
            Spend("AssociateAddress");
            made = await ParallelEngine.CreateAsync(h.Client, specs, Parallel);
            Assert.All(made, r => Assert.True(r.Ok, $"create {r.Name}: {r.Code} {r.Error}"));
            var entries = made.Select((r, i) => new StateEntry(AssociationType, r.Name, LifecycleHarness.Urn(AssociationType, r.Name), r.Id!, specs[i].Inputs, r.Outputs));
            Spend("DisassociateAddress");
            removed = await ParallelEngine.DeleteAsync(h.Client, entries, Parallel);
        }
        finally
        {
            Aws.Proxy.Throttling = null;
        }

        Assert.All(removed, r => Assert.True(r.Ok, $"delete {r.Name}: {r.Code} {r.Error}"));
        var throttled = throttling.ThrottledByAction;
        Assert.True(throttled.GetValueOrDefault("AssociateAddress") > 0, "EC2 never throttled an AssociateAddress: the test does not test the wait");
        Assert.True(throttled.GetValueOrDefault("DisassociateAddress") > 0, "EC2 never throttled a DisassociateAddress: the test does not test the wait");
        var answered = Aws.Proxy.Journal.Entries.Where(e => e.Outcome != Ec2Outcome.Throttled).ToList();
        // Exactly one associate and one disassociate per association went through: a throttled call changed nothing and was sent again.
        Assert.Equal(count, answered.Count(e => e.Action == "AssociateAddress" && e.ErrorCode is null));
        Assert.Equal(count, answered.Count(e => e.Action == "DisassociateAddress" && e.ErrorCode is null));
        Assert.Equal(count, made.Select(r => r.Id).Distinct().Count());
        // The addresses stay allocated and free: an association's delete never releases its address.
        var left = (await Aws.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [.. fleet.Select(a => a.AllocationId)] })).Addresses;
        Assert.Equal(count, left.Count);
        Assert.All(left, a => Assert.True(string.IsNullOrEmpty(a.AssociationId), $"{a.AllocationId} still held by {a.AssociationId}"));
        output.WriteLine($"{count} associations made and removed at --parallel {Parallel}: throttled {string.Join(", ", throttled.Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var a in fleet)
        {
            await Aws.Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = a.AllocationId });
        }
    }

    [Fact]
    public async Task A_disassociate_is_retried_past_server_errors_done_when_the_association_is_gone_and_kept_when_refused()
    {
        var enis = await InterfacesAsync(3);
        await using var h = await Aws.StartPluginAsync();
        var addresses = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var address = (await h.UpAsync(Spec($"eip-{i}"))).EnsureOk();
            addresses.Add(address.Id!);
            (await h.UpAsync(Association($"assoc-{i}", ("allocationId", address.Id), ("networkInterfaceId", enis[i])))).EnsureOk();
        }

        // EC2 answers 503 Unavailable twice: waited out, and the third try disassociates.
        var first = h.State["assoc-0"].Id;
        var unavailable = Aws.Proxy.Inject(Fault.Error("DisassociateAddress", Ec2Error.Unavailable()).When(r => r.Get("AssociationId") == first).FiresTimes(2));
        (await h.DestroyAsync("assoc-0")).EnsureOk();
        Assert.Equal(2, unavailable.Fired);
        Assert.True(string.IsNullOrEmpty((await Aws.FindInMotoAsync(addresses[0]))!.AssociationId));

        // Disassociated outside the stack meanwhile: EC2 answers InvalidAssociationID.NotFound, which is the goal reached.
        await Aws.Ec2.DisassociateAddressAsync(new DisassociateAddressRequest { AssociationId = h.State["assoc-1"].Id });
        (await h.DestroyAsync("assoc-1")).EnsureOk();
        Assert.Contains(h.Engine.Messages, m => m.Urn.EndsWith("::assoc-1", StringComparison.Ordinal)
            && m.Message.Contains("already gone", StringComparison.Ordinal) && m.Message.Contains("InvalidAssociationID.NotFound", StringComparison.Ordinal));
        Assert.NotNull(await Aws.FindInMotoAsync(addresses[1]));

        // A refusal is a diagnostic naming the address and the missing permission, and the association stays in the stack.
        var associationId = h.State["assoc-2"].Id;
        var refused = Aws.Proxy.Inject(Fault.Error("DisassociateAddress", Ec2Error.UnauthorizedOperation()).When(r => r.Get("AssociationId") == associationId).Always());
        var failed = await h.DestroyAsync("assoc-2");
        refused.Remove();
        Assert.False(failed.Ok);
        Assert.Contains(associationId!, failed.Error);
        Assert.Contains("ec2:DisassociateAddress", failed.Error);
        Assert.True(h.State.ContainsKey("assoc-2"), "a refused delete must keep the association in the stack");
        Assert.Equal(associationId, (await Aws.FindInMotoAsync(addresses[2]))!.AssociationId);

        (await h.DestroyAsync("assoc-2")).EnsureOk();
        for (var i = 0; i < 3; i++)
        {
            (await h.DestroyAsync($"eip-{i}")).EnsureOk();
        }
    }
}
