using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.AwsEmulation;

namespace PublicIp.Demo;

/// <summary>
/// The examples' `aws:ec2:*` resources and the `aws:ec2:getAmi` invoke, made with the AWS SDK straight against
/// moto, as the Pulumi AWS provider would make them (that provider cannot be installed here). Only what the
/// examples use; anything else is refused by name instead of being skipped.
/// </summary>
public static class AwsStandIn
{
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "aws:ec2:Vpc", "aws:ec2:Subnet", "aws:ec2:InternetGateway", "aws:ec2:RouteTable", "aws:ec2:RouteTableAssociation", "aws:ec2:Instance",
    };

    /// <summary>Creates the resource and returns its outputs (`id` first), as `${name.output}` reads them.</summary>
    public static async Task<Dictionary<string, object?>> CreateAsync(IAmazonEC2 ec2, string type, IReadOnlyDictionary<string, object?> p)
    {
        string S(string key) => p.GetValueOrDefault(key) as string ?? throw new DemoFailure($"{type} needs a string '{key}'");
        switch (type)
        {
            case "aws:ec2:Vpc":
            {
                var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = S("cidrBlock"), TagSpecifications = Tags(p, ResourceType.Vpc) })).Vpc;
                return new() { ["id"] = vpc.VpcId };
            }
            case "aws:ec2:Subnet":
            {
                var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = S("vpcId"), CidrBlock = S("cidrBlock") })).Subnet;
                return new() { ["id"] = subnet.SubnetId };
            }
            case "aws:ec2:InternetGateway":
            {
                var gateway = (await ec2.CreateInternetGatewayAsync(new CreateInternetGatewayRequest())).InternetGateway;
                await ec2.AttachInternetGatewayAsync(new AttachInternetGatewayRequest { InternetGatewayId = gateway.InternetGatewayId, VpcId = S("vpcId") });
                return new() { ["id"] = gateway.InternetGatewayId };
            }
            case "aws:ec2:RouteTable":
            {
                var table = (await ec2.CreateRouteTableAsync(new CreateRouteTableRequest { VpcId = S("vpcId") })).RouteTable;
                foreach (var route in (p.GetValueOrDefault("routes") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
                {
                    await ec2.CreateRouteAsync(new CreateRouteRequest
                    {
                        RouteTableId = table.RouteTableId, DestinationCidrBlock = route.GetValueOrDefault("cidrBlock") as string, GatewayId = route.GetValueOrDefault("gatewayId") as string,
                    });
                }
                return new() { ["id"] = table.RouteTableId };
            }
            case "aws:ec2:RouteTableAssociation":
            {
                var association = await ec2.AssociateRouteTableAsync(new AssociateRouteTableRequest { SubnetId = S("subnetId"), RouteTableId = S("routeTableId") });
                return new() { ["id"] = association.AssociationId };
            }
            case "aws:ec2:Instance":
            {
                var run = await ec2.RunInstancesAsync(new RunInstancesRequest
                {
                    ImageId = S("ami"), InstanceType = InstanceType.FindValue(S("instanceType")), MinCount = 1, MaxCount = 1, SubnetId = S("subnetId"),
                    TagSpecifications = Tags(p, ResourceType.Instance),
                });
                var instance = run.Reservation.Instances.Single();
                return new() { ["id"] = instance.InstanceId, ["privateIp"] = instance.PrivateIpAddress };
            }
            default:
                throw new DemoFailure($"the demo cannot play {type}: it stands in for {string.Join(", ", Types)} only");
        }
    }

    /// <summary>A `fn::invoke` in `variables:`; the examples use aws:ec2:getAmi, answered with one of moto's images.</summary>
    public static async Task<object?> InvokeAsync(IAmazonEC2 ec2, string function) => function switch
    {
        "aws:ec2:getAmi" => await Ec2Topology.FindImageIdAsync(ec2),
        _ => throw new DemoFailure($"the demo cannot invoke {function}"),
    };

    private static List<TagSpecification>? Tags(IReadOnlyDictionary<string, object?> p, ResourceType type) =>
        p.GetValueOrDefault("tags") is Dictionary<string, object?> { Count: > 0 } tags
            ? [new TagSpecification { ResourceType = type, Tags = [.. tags.Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value?.ToString()))] }]
            : null;
}
