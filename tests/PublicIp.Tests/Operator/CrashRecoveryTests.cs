using Amazon.EC2.Model;
using Grpc.Core;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Provider.Ownership;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Operator;

/// <summary>
/// SIGKILL the published plugin at each point of Create and Delete (the EC2 proxy holds the call that makes the point),
/// then do what the engine does next: a killed Create leaves no state (the pending create is dropped), a killed Delete
/// leaves the resource in state. Every address must be held by the state or named by the next step's recovery, and
/// after following what it says, held by the state: zero lost.
/// </summary>
public sealed class CrashRecoveryTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(120);

    public enum CreatePoint { BeforeAllocate, AllocateReachedEc2, BeforeAssociate, AfterAssociate }

    private static ResourceSpec Spec(string name, string instanceId) => new(Type, name, Props.Map(("instanceId", instanceId)));

    private async Task<List<Address>> MarkedForAsync(string name)
    {
        var hash = OwnershipMarks.HashUrn(LifecycleHarness.Urn(Type, name));
        var all = await aws.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        return (all.Addresses ?? []).Where(a => (a.Tags ?? []).Any(t => t.Key == OwnershipMarks.UrnHashKey && t.Value == hash)).ToList();
    }

    /// <summary>Installs a fault that holds the call and signals when it arrived, so the test kills at that point.</summary>
    private static Task Arrived(Ec2FaultProxy proxy, Fault fault, Func<Ec2Request, bool> which)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Inject(fault.When(r =>
        {
            if (r.DryRun || !which(r))
            {
                return false;
            }
            arrived.TrySetResult();
            return true;
        }));
        return arrived.Task.WaitAsync(TimeSpan.FromSeconds(90));
    }

    [Theory]
    [InlineData(CreatePoint.BeforeAllocate)]
    [InlineData(CreatePoint.AllocateReachedEc2)]
    [InlineData(CreatePoint.BeforeAssociate)]
    [InlineData(CreatePoint.AfterAssociate)]
    public async Task A_create_killed_at_any_point_loses_no_address(CreatePoint point)
    {
        aws.Reset();
        var instance = await aws.DefaultVpcInstanceAsync();
        var name = $"crash-{point}-{Guid.NewGuid().ToString("N")[..6]}";
        var spec = Spec(name, instance.InstanceId);
        var at = point switch
        {
            CreatePoint.BeforeAllocate => Arrived(aws.Proxy, Fault.Latency("DescribeAddresses", Hold),
                r => r.Parameters.Values.Any(v => v.Contains(OwnershipMarks.UrnHashKey, StringComparison.Ordinal))),
            CreatePoint.AllocateReachedEc2 => Arrived(aws.Proxy, Fault.HoldAnswer("AllocateAddress", Hold), _ => true),
            CreatePoint.BeforeAssociate => Arrived(aws.Proxy, Fault.Latency("AssociateAddress", Hold), _ => true),
            _ => Arrived(aws.Proxy, Fault.HoldAnswer("AssociateAddress", Hold), _ => true),
        };

        await using (var killed = await aws.StartPluginAsync())
        {
            var up = killed.UpAsync(spec);
            if (await Task.WhenAny(at, up) == up)
            {
                Assert.Fail($"the create ended before the kill point: {(await up).Code} {(await up).Error}");
            }
            await at;
            CrashPoints.SigKill(killed);
            var result = await up;
            Assert.NotEqual(StatusCode.OK, result.Code);
            Assert.Empty(killed.State); // the engine recorded nothing: its pending create is all that is left
        }
        aws.Proxy.ClearFaults();
        var left = await MarkedForAsync(name);
        Assert.Equal(point == CreatePoint.BeforeAllocate ? 0 : 1, left.Count);

        // What the engine does next: `pulumi up` again, with a new plugin.
        await using var next = await aws.StartPluginAsync();
        var again = await next.UpAsync(spec);
        if (left.Count == 0)
        {
            again.EnsureOk();
        }
        else
        {
            // Found: the next Create allocates nothing and names the address with the commands to keep it.
            Assert.Equal(StatusCode.FailedPrecondition, again.Code);
            Assert.Contains(left[0].AllocationId, again.Error, StringComparison.Ordinal);
            Assert.Contains("--import-pending-creates", again.Error, StringComparison.Ordinal);
            Assert.Single(await MarkedForAsync(name));
            await using var adopt = await aws.StartPluginAsync(("interruptedCreates", "adopt"));
            var adopted = (await adopt.UpAsync(spec)).EnsureOk();
            Assert.Equal(left[0].AllocationId, adopted.Id);
            Assert.Equal(instance.InstanceId, adopted.Outputs.Str("instanceId"));
            (await adopt.DestroyAsync(name)).EnsureOk();
            Assert.Empty(await MarkedForAsync(name));
            return;
        }
        var held = Assert.Single(await MarkedForAsync(name));
        Assert.Equal(next.State[name].Id, held.AllocationId); // the one address is the one the state holds
        (await next.DestroyAsync(name)).EnsureOk();
        Assert.Empty(await MarkedForAsync(name));
    }

    [Fact]
    public async Task A_delete_killed_between_disassociate_and_release_is_finished_by_the_next_destroy()
    {
        aws.Reset();
        var vpc = await aws.NonDefaultVpcAsync();
        var name = $"crash-delete-{Guid.NewGuid().ToString("N")[..6]}";
        StateEntry entry;
        await using (var h = await aws.StartPluginAsync())
        {
            (await h.UpAsync(new ResourceSpec(Type, name, Props.Map(("networkInterfaceId", vpc.NetworkInterfaceId))))).EnsureOk();
            entry = h.State[name];
            var releasing = Arrived(aws.Proxy, Fault.Latency("ReleaseAddress", Hold), _ => true);
            var destroy = h.DestroyAsync(name);
            await releasing;
            CrashPoints.SigKill(h);
            Assert.NotEqual(StatusCode.OK, (await destroy).Code);
        }
        aws.Proxy.ClearFaults();
        Assert.Contains(aws.Proxy.Journal.Entries, e => e.Action == "DisassociateAddress" && e.ErrorCode is null && !e.DryRun);
        var live = await aws.FindInMotoAsync(entry.Id);
        Assert.NotNull(live); // disassociated, not released: the state still holds it (the engine kept the resource)
        Assert.True(string.IsNullOrEmpty(live.AssociationId));

        // What the engine does next: `pulumi destroy` again, with a new plugin, from the state it kept.
        await using var next = await aws.StartPluginAsync();
        next.Adopt(entry);
        (await next.DestroyAsync(name)).EnsureOk();
        Assert.Null(await aws.FindInMotoAsync(entry.Id));
    }
}
