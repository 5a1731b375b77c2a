using System.Collections.Immutable;
using Amazon.EC2.Model;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using PublicIp.Provider.Resources.Alicloud;
using PublicIp.Provider.Resources.Aws;

namespace PublicIp.Provider.Operator.Sweep;

/// <summary>One public IP as the cloud reports it, with what its tags say about who allocated it.</summary>
public sealed record FoundAddress(
    string Cloud,
    string Region,
    string Id,
    string PublicIp,
    string? AssociatedWith,
    OwnershipMark? Mark,
    ImmutableSortedDictionary<string, string> UserTags)
{
    public bool IsIdle => AssociatedWith is null;
}

/// <summary>The public IPs of one cloud region, and the release of one of them through the resource's own steps.</summary>
public interface ICloudInventory
{
    string Cloud { get; }
    string Region { get; }

    /// <summary>The resource type whose Delete the release runs (for messages and the `pulumi import` line).</summary>
    string ResourceType { get; }

    /// <summary>Every public IP of the region, read through the retry primitive and the region's request budget.</summary>
    Task<IReadOnlyList<FoundAddress>> ListAsync(ResourceCall call);

    /// <summary>Releases the address with the same steps as the resource's Delete, in the release workflow, so diagnostics and retries are Delete's.</summary>
    Task ReleaseAsync(FoundAddress address, ResourceCall call);

    /// <summary>The same steps with DryRun (where the cloud has it): what a release would do, or why the address is already gone.</summary>
    Task<Rehearsal> RehearseAsync(FoundAddress address, ResourceCall call);
}

public sealed class AwsInventory(CloudClients clients, string region, TimeProvider time) : ICloudInventory
{
    public string Cloud => "aws";
    public string Region => region;
    public string ResourceType => "publicip:aws:ElasticIp";

    public async Task<IReadOnlyList<FoundAddress>> ListAsync(ResourceCall call)
    {
        DescribeAddressesResponse answer;
        try
        {
            answer = await clients.Ec2Retry(call).RunAsync("DescribeAddresses", $"the Elastic IPs of {region}",
                c => clients.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), c));
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("DescribeAddresses", $"the Elastic IPs of {region}"));
        }
        return (answer.Addresses ?? []).Select(a =>
        {
            var tags = (a.Tags ?? []).ToImmutableSortedDictionary(t => t.Key, t => t.Value ?? "", StringComparer.Ordinal);
            var id = AddressIdentity.Of(a).Id;
            return new FoundAddress(Cloud, region, id, a.PublicIp, AddressFinder.Holder(a) is { } h && IsAssociated(a) ? h : null,
                OwnershipMarks.Read(tags), OwnershipMarks.WithoutMarks(tags));
        }).ToList();
    }

    private static bool IsAssociated(Address a) => AddressIdentity.Of(a).IsHeld(a.AssociationId, a.InstanceId);

    public Task ReleaseAsync(FoundAddress address, ResourceCall call) => ReleaseWorkflow.RunAsync(Steps(address, call), call, rehearse: false);

    public Task<Rehearsal> RehearseAsync(FoundAddress address, ResourceCall call) => ReleaseWorkflow.ReadAndRehearseAsync(Steps(address, call), call.CancellationToken);

    private ElasticIpRelease Steps(FoundAddress address, ResourceCall call)
    {
        var identity = AddressIdentity.Parse(address.Id, address.PublicIp);
        var state = new ElasticIpState
        {
            AllocationId = identity.AllocationId, PublicIp = address.PublicIp, Domain = identity.Domain, Tags = address.UserTags,
        };
        return new ElasticIpRelease(clients.Ec2Api, call, address.Id, state, time);
    }
}

public sealed class AlibabaInventory(CloudClients clients, string region) : ICloudInventory
{
    private readonly AlibabaDiagnostics _diagnostics = new();

    public string Cloud => "alicloud";
    public string Region => region;
    public string ResourceType => "publicip:alicloud:EipAddress";

    public async Task<IReadOnlyList<FoundAddress>> ListAsync(ResourceCall call)
    {
        var alibaba = clients.Alibaba(region);
        var all = await _diagnostics.GuardAsync($"listing the EIPs of {region}", () => EipFinder.ListAsync(alibaba, null, alibaba.Retry(call)));
        return all.Select(e =>
        {
            var tags = e.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal);
            var holder = e.InstanceId is { Length: > 0 } ? $"{e.InstanceType ?? "instance"} {e.InstanceId}" : null;
            return new FoundAddress(Cloud, region, e.AllocationId, e.IpAddress, holder, OwnershipMarks.Read(tags), OwnershipMarks.WithoutMarks(tags));
        }).ToList();
    }

    public Task ReleaseAsync(FoundAddress address, ResourceCall call) => ReleaseWorkflow.RunAsync(Steps(address, call), call, rehearse: false);

    public Task<Rehearsal> RehearseAsync(FoundAddress address, ResourceCall call) => ReleaseWorkflow.ReadAndRehearseAsync(Steps(address, call), call.CancellationToken);

    private EipReleaseSteps Steps(FoundAddress address, ResourceCall call) => new(clients.Alibaba(region), address.Id, call, _diagnostics);
}
