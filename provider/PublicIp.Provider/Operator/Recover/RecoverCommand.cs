using PublicIp.Protocol.Resources;
using System.CommandLine;
using System.Net;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Alibaba;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Diagnostics;
using Spectre.Console;

namespace PublicIp.Provider.Operator.Recover;

/// <summary>
/// `recover <ip>`: tries to get a released address back with the cloud's documented recovery call (EC2 AllocateAddress
/// with Address; Alibaba AllocateEipAddressPro with IpAddress), says plainly when it is no longer available, and
/// prints the `pulumi import` line that brings the recovered address back under a stack.
/// </summary>
public sealed class RecoverCommand : IOperatorCommand
{
    /// <summary>The address is no longer available to this account (another account has it, or the cloud will not give it back).</summary>
    public const int NotAvailable = 4;

    public string Name => "recover";

    public Command Build(OperatorContext context)
    {
        var ip = new Argument<string>("ip") { Description = "The released public IPv4 address, as the release warning named it" };
        var cloud = new Option<string>("--cloud") { Description = "aws (default) or alicloud", DefaultValueFactory = _ => "aws" }.AcceptOnlyFromAmong("aws", "alicloud");
        var region = new Option<string>("--region", "-r") { Description = "The region the address was released in", Required = true };
        var borderGroup = new Option<string?>("--network-border-group") { Description = "AWS: the network border group it was allocated from (default: the region)" };
        var name = new Option<string?>("--name") { Description = "Resource name for the printed `pulumi import` line (default: recovered-<ip>)" };
        var config = OperatorContext.ConfigOption();
        var output = OperatorContext.OutputOption();
        var command = new Command(Name,
            "Try to get a released public IP back (EC2 AllocateAddress with Address, Alibaba AllocateEipAddressPro with IpAddress) and print the " +
            "`pulumi import` line for it. Exit codes: 0 recovered (or already this account's), 1 a call failed, 2 usage or configuration error, " +
            $"{NotAvailable} no longer available.");
        command.Arguments.Add(ip);
        foreach (var o in new Option[] { cloud, region, borderGroup, name, config, output })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) =>
        {
            var address = parse.GetValue(ip)!;
            if (!IPAddress.TryParse(address, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                throw new OperatorUsageException($"recover expects a public IPv4 address, not \"{address}\"");
            }
            var request = new Request(address, parse.GetValue(region)!, parse.GetValue(borderGroup), parse.GetValue(name) ?? "recovered-" + address.Replace('.', '-'),
                parse.GetValue(config) ?? [], parse.GetValue(output) == "json");
            return parse.GetValue(cloud) == "alicloud" ? RecoverAlibabaAsync(context, request, ct) : RecoverAwsAsync(context, request, ct);
        });
        return command;
    }

    private sealed record Request(string Ip, string Region, string? NetworkBorderGroup, string ResourceName, string[] Config, bool Json);

    /// <summary>What the command found or did; rendered as a table or JSON.</summary>
    private sealed record Outcome(string Cloud, string Region, string PublicIp, string? AllocationId, string Result, string Detail, string? ImportCommand);

    private static async Task<int> RecoverAwsAsync(OperatorContext context, Request r, CancellationToken ct)
    {
        var ec2 = context.Clients(context.ReadConfig(r.Config, awsRegion: r.Region)).Ec2;
        var subject = $"{r.Ip} in {r.Region}";
        var existing = await Ec2Async("DescribeAddresses", subject, () => AddressFinder.LookupAsync(ec2, r.Ip, ct));
        if (existing.Address is { } mine && AddressFinder.Present(mine.AllocationId) is { } ownedId)
        {
            return Report(context, r, new Outcome("aws", r.Region, r.Ip, ownedId, "already yours",
                "this account already holds the address; nothing was allocated", ImportLine("publicip:aws:ElasticIp", r.ResourceName, ownedId)), 0);
        }
        AllocateAddressResponse allocated;
        try
        {
            allocated = await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, Address = r.Ip, NetworkBorderGroup = r.NetworkBorderGroup }, ct);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is Ec2ErrorCodes.InvalidAddressNotFound or Ec2ErrorCodes.InvalidAddressIDNotFound || AddressFinder.IsNotYours(e))
        {
            return Report(context, r, new Outcome("aws", r.Region, r.Ip, null, "no longer available",
                $"EC2 answered {e.ErrorCode}: the address has been allocated by another account, or EC2 no longer lets this account recover it " +
                "(AWS recovers only addresses you released that nobody else has taken). Nothing was allocated; update whatever still points at the address", null), NotAvailable);
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling("AllocateAddress", subject));
        }
        return Report(context, r, new Outcome("aws", r.Region, allocated.PublicIp, allocated.AllocationId, "recovered",
            $"allocated again as {allocated.AllocationId} (tags are not recovered)", ImportLine("publicip:aws:ElasticIp", r.ResourceName, allocated.AllocationId)), 0);
    }

    private static async Task<int> RecoverAlibabaAsync(OperatorContext context, Request r, CancellationToken ct)
    {
        var clients = context.Clients(context.ReadConfig(r.Config, alicloudRegion: r.Region)).Alibaba(r.Region);
        var diagnostics = AlibabaDiagnostics.Instance;
        var log = context.Log($"EIP {r.Ip}");
        if (await diagnostics.GuardAsync($"listing the EIPs of {r.Region}", () => FindByIpAsync(clients, r.Ip, ct)) is { } mine)
        {
            return Report(context, r, new Outcome("alicloud", r.Region, r.Ip, mine.AllocationId, "already yours",
                "this account already holds the address; nothing was allocated", ImportLine("publicip:alicloud:EipAddress", r.ResourceName, mine.AllocationId)), 0);
        }
        AllocateEipAddressResult allocated;
        try
        {
            allocated = await clients.Vpc.AllocateEipAddressProAsync(new AllocateEipAddressProRequest(r.Region) { IpAddress = r.Ip }, ct);
        }
        catch (AlibabaApiException e) when (e.Code is AlibabaErrorCodes.ReserveIpFail or AlibabaErrorCodes.InvalidIpAddressNotFound or AlibabaErrorCodes.InvalidParamIpAddress or AlibabaErrorCodes.IpAddressNotAvailable)
        {
            return Report(context, r, new Outcome("alicloud", r.Region, r.Ip, null, "no longer available",
                $"Alibaba Cloud answered {e.Code}: the address has been allocated by another account, or is no longer in this account's recoverable pool. " +
                "Nothing was allocated; update whatever still points at the address", null), NotAvailable);
        }
        catch (Exception e) when (AlibabaDiagnostics.Instance.IsCloudFailure(e))
        {
            throw diagnostics.Fail(e, $"recovering EIP {r.Ip}");
        }
        await diagnostics.GuardAsync($"waiting for EIP {allocated.AllocationId}", () => EipFinder.WaitForStatusAsync(clients, allocated.AllocationId, EipFinder.Available,
            clients.Retry(ResourceCall.Detached($"recover {r.Ip}", "publicip:alicloud:EipAddress", log, ct))));
        return Report(context, r, new Outcome("alicloud", r.Region, allocated.EipAddress ?? r.Ip, allocated.AllocationId, "recovered",
            $"allocated again as {allocated.AllocationId} (pay-as-you-go; bandwidth, name and tags are not recovered)",
            ImportLine("publicip:alicloud:EipAddress", r.ResourceName, allocated.AllocationId)), 0);
    }

    private static async Task<PublicIp.Alibaba.EipAddress?> FindByIpAsync(AlibabaClients clients, string ip, CancellationToken ct)
    {
        for (var page = 1; ; page++)
        {
            var found = await clients.Vpc.ListEipAddressesAsync(clients.RegionId, page, 100, ct);
            if (found.EipAddresses.FirstOrDefault(e => e.IpAddress == ip) is { } hit)
            {
                return hit;
            }
            if (found.EipAddresses.Count == 0 || page * 100 >= found.TotalCount)
            {
                return null;
            }
        }
    }

    private static string ImportLine(string type, string name, string id) => $"pulumi import {type} {name} {id}";

    private static async Task<T> Ec2Async<T>(string action, string subject, Func<Task<T>> send)
    {
        try
        {
            return await send();
        }
        catch (Exception e) when (Ec2Diagnostics.Instance.IsCloudFailure(e))
        {
            throw Ec2Diagnostics.Instance.Fail(e, Ec2Diagnostics.Calling(action, subject));
        }
    }

    private static int Report(OperatorContext context, Request r, Outcome o, int exitCode)
    {
        if (r.Json)
        {
            context.Stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string?>
            {
                ["cloud"] = o.Cloud, ["region"] = o.Region, ["publicIp"] = o.PublicIp, ["allocationId"] = o.AllocationId,
                ["result"] = o.Result, ["detail"] = o.Detail, ["import"] = o.ImportCommand,
            }, RecoverJson.Default.DictionaryStringString));
            return exitCode;
        }
        var table = new Table().AddColumns("address", "cloud", "region", "allocation id", "result");
        table.AddRow(Markup.Escape(o.PublicIp), o.Cloud, Markup.Escape(o.Region), Markup.Escape(o.AllocationId ?? "-"), Markup.Escape(o.Result));
        context.Console.Write(table);
        context.Console.WriteLine(o.Detail);
        if (o.ImportCommand is { } line)
        {
            context.Console.WriteLine("To bring it back under a stack (add the matching resource to the program first):");
            context.Console.WriteLine("  " + line);
        }
        return exitCode;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class RecoverJson : System.Text.Json.Serialization.JsonSerializerContext;
