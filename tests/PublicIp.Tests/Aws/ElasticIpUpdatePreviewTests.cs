using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Aws;

/// <summary>
/// An update preview promises what the update cannot change: a dependent of publicIp must not see it go
/// unknown because a tag changed.
/// </summary>
public class ElasticIpUpdatePreviewTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private const string Type = "publicip:aws:ElasticIp";

    [Fact]
    public async Task A_tag_change_preview_keeps_the_address_known()
    {
        await using var h = await aws.StartPluginAsync();
        var up = (await h.UpAsync(new ResourceSpec(Type, "tagged", Props.Map(("tags", new Dictionary<string, string> { ["env"] = "a" }))))).EnsureOk();

        var preview = (await h.PreviewAsync(new ResourceSpec(Type, "tagged", Props.Map(("tags", new Dictionary<string, string> { ["env"] = "b" }))))).EnsureOk();

        Assert.Contains("Update", preview.Calls);
        Assert.Equal(up.Outputs.Str("publicIp"), preview.Outputs.Str("publicIp"));
        Assert.Equal(up.Id, preview.Outputs.Str("allocationId"));
        Assert.Equal("b", Assert.IsType<ObjectValue>(preview.Outputs.Get("tags")).Properties.Str("env"));
        Assert.True(preview.Outputs.Get("associationId") is null or NullValue);
        (await h.DestroyAsync("tagged")).EnsureOk();
    }

    [Fact]
    public async Task An_association_preview_leaves_only_the_association_unknown_and_a_removal_null()
    {
        var instance = await Ec2Topology.LaunchInDefaultVpcAsync(aws.Ec2);
        await using var h = await aws.StartPluginAsync();
        var up = (await h.UpAsync(new ResourceSpec(Type, "moving", Props.Map()))).EnsureOk();

        var associate = (await h.PreviewAsync(new ResourceSpec(Type, "moving", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk();
        Assert.Equal(up.Outputs.Str("publicIp"), associate.Outputs.Str("publicIp"));
        Assert.Equal(instance.InstanceId, associate.Outputs.Str("instanceId"));
        Assert.IsType<UnknownValue>(associate.Outputs.Get("associationId"));
        Assert.IsType<UnknownValue>(associate.Outputs.Get("networkInterfaceId"));

        (await h.UpAsync(new ResourceSpec(Type, "moving", Props.Map(("instanceId", instance.InstanceId))))).EnsureOk();
        var remove = (await h.PreviewAsync(new ResourceSpec(Type, "moving", Props.Map()))).EnsureOk();
        Assert.Equal(up.Outputs.Str("publicIp"), remove.Outputs.Str("publicIp"));
        Assert.All(["associationId", "instanceId", "networkInterfaceId", "privateIpAddress"],
            key => Assert.True(remove.Outputs.Get(key) is null or NullValue, $"{key} should be empty after a disassociate, was {remove.Outputs.Get(key)}"));
        (await h.DestroyAsync("moving")).EnsureOk();
    }
}
