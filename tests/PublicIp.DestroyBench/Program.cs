// `make bench-destroy`: `pulumi destroy` of 300 Elastic IPs (a third associated in a non-default VPC) at --parallel 16
// and 64, against moto behind the fault proxy with EC2's documented token buckets per action, driven the engine's way
// through the published plugin, and in the same run a careful boto3 script (adaptive retries) on the same endpoint.
// Reports wall time as a ratio to the least time the buckets allow, failed deletes, addresses left, throttled answers,
// API calls per delete, and the plugin's peak RSS (VmHWM). A report, not a test: exits 0 unless it cannot run.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

var count = 300;
var refillScale = 5.0;
int[] parallels = [16, 64];
for (var i = 0; i + 1 < args.Length; i++)
{
    switch (args[i])
    {
        case "--addresses": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--refill-scale": refillScale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
    }
}
var associated = count / 3;
const string Type = "publicip:aws:ElasticIp";
const string Region = "us-east-1";

try
{
    _ = RepoPaths.ProviderBinary;
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"bench-destroy: {e.Message}");
    return 2;
}

Console.WriteLine($"bench-destroy: {count} addresses ({associated} associated in a non-default VPC), EC2's documented buckets with refills x{refillScale} " +
                  $"(ReleaseAddress: 50 + {5 * refillScale}/s), {Environment.ProcessorCount} cores");
await using var moto = await MotoServer.StartAsync();
await using var proxy = await Ec2FaultProxy.StartAsync(moto.Endpoint);
proxy.Journaling = false;
using var ec2 = Ec2TestClient.Create(moto.Endpoint);

var rows = new List<Row>();
foreach (var parallel in parallels)
{
    rows.Add(await RunAsync("publicip plugin", parallel, PluginDestroyAsync));
    rows.Add(await RunAsync("boto3 (adaptive)", parallel, Boto3DestroyAsync));
}

Console.WriteLine();
Console.WriteLine($"load average after the runs: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();
Console.WriteLine("| destroy of " + count + " | --parallel | wall time | × least time | failed | left | throttled | calls per delete | peak RSS |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
foreach (var r in rows)
{
    Console.WriteLine($"| {r.Who} | {r.Parallel} | {r.Seconds:0.0} s | {r.Seconds / r.LeastSeconds:0.00} | {r.Failed} | {r.Left} | {r.Throttled} | {r.CallsPerDelete:0.00} | " +
                      (r.PeakRssMb is { } mb ? $"{mb:0.0} MB" : "—") + " |");
}
Console.WriteLine();
Console.WriteLine($"least time = (ReleaseAddress calls − 50 burst) / {5 * refillScale} per s = {rows[0].LeastSeconds:0.0} s; calls per delete counts every EC2 call, throttled ones included.");
var plugin = rows.Where(r => r.Who.StartsWith("publicip", StringComparison.Ordinal)).ToList();
var boto = rows.Where(r => r.Who.StartsWith("boto3", StringComparison.Ordinal)).ToList();
Console.WriteLine("targets: 0 failed, 0 left, ≤ 1.10× the least time, fewer calls per delete than boto3: " + string.Join("; ", plugin.Select(p =>
{
    var b = boto.First(x => x.Parallel == p.Parallel);
    var ok = p.Failed == 0 && p.Left == 0 && p.Seconds / p.LeastSeconds <= 1.10 && p.CallsPerDelete < b.CallsPerDelete;
    return $"--parallel {p.Parallel} {(ok ? "met" : "NOT met")}";
})));
return 0;

async Task<Row> RunAsync(string who, int parallel, Func<IReadOnlyList<FleetAddress>, int, Task<(int Failed, double? PeakRssMb)>> destroy)
{
    Console.Write($"{who} at --parallel {parallel}: allocating ... ");
    IReadOnlyList<FleetAddress> fleet;
    try
    {
        fleet = await Ec2Fleet.AllocateAsync(ec2, count, associated);
    }
    catch (Amazon.EC2.AmazonEC2Exception e)
    {
        throw new InvalidOperationException($"moto failed to build the fleet ({e.StatusCode}); its last lines:\n{moto.OutputTail}", e);
    }
    using var throttling = new Ec2Throttling(refillScale); // full buckets, as after a quiet spell
    var before = proxy.CallCounts;
    proxy.Throttling = throttling;
    var watch = Stopwatch.StartNew();
    var (failed, rss) = await destroy(fleet, parallel);
    watch.Stop();
    proxy.Throttling = null;
    var after = proxy.CallCounts;
    var calls = after.Sum(kv => kv.Value - before.GetValueOrDefault(kv.Key));
    var left = (await Ec2Fleet.StillAllocatedAsync(ec2, fleet.Select(a => a.AllocationId))).Count;
    var least = throttling.LeastTime("ReleaseAddress", count).TotalSeconds;
    var row = new Row(who, parallel, watch.Elapsed.TotalSeconds, least, failed, left, throttling.Throttled, (double)calls / count, rss);
    Console.WriteLine($"{row.Seconds:0.0} s ({row.Seconds / least:0.00}× least), {failed} failed, {left} left, {row.Throttled} throttled, {row.CallsPerDelete:0.00} calls/delete");
    var throttledBy = throttling.ThrottledByAction;
    Console.WriteLine("    calls (throttled) by action: " + string.Join(", ", after.Where(kv => kv.Value > before.GetValueOrDefault(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .Select(kv => $"{kv.Key} {kv.Value - before.GetValueOrDefault(kv.Key)} ({throttledBy.GetValueOrDefault(kv.Key)})")));
    await CleanUpAsync(fleet);
    return row;
}

async Task<(int, double?)> PluginDestroyAsync(IReadOnlyList<FleetAddress> fleet, int parallel)
{
    await using var h = await LifecycleHarness.StartAsync();
    (await h.ConfigureAsync(Props.Map(
        ("awsRegion", Region), ("awsEndpoint", proxy.Endpoint.ToString()),
        ("awsAccessKey", Props.Secret("testing")), ("awsSecretKey", Props.Secret("testing")),
        ("awsRequestRateScale", refillScale)))).EnsureOk();
    var entries = fleet.Select((a, i) => new StateEntry(Type, $"ip-{i}", LifecycleHarness.Urn(Type, $"ip-{i}"), a.AllocationId,
        Props.Map(("domain", "vpc")),
        Props.Map(("allocationId", a.AllocationId), ("publicIp", a.PublicIp), ("domain", "vpc"), ("associationId", a.AssociationId),
            ("networkInterfaceId", a.NetworkInterfaceId))));
    var results = await ParallelEngine.DeleteAsync(h.Client, entries, parallel);
    var hwmKb = ReadStatusKb(h.Plugin.ProcessId, "VmHWM");
    foreach (var failure in results.Where(r => !r.Ok).Take(3))
    {
        Console.Write($"[{failure.Name}: {failure.Code} {failure.Error}] ");
    }
    return (results.Count(r => !r.Ok), hwmKb / 1024.0);
}

async Task<(int, double?)> Boto3DestroyAsync(IReadOnlyList<FleetAddress> fleet, int parallel)
{
    var idsFile = Path.GetTempFileName();
    await File.WriteAllLinesAsync(idsFile, fleet.Select(a => a.AllocationId));
    try
    {
        var script = Path.Combine(AppContext.BaseDirectory, "boto3_destroy.py");
        var start = new ProcessStartInfo("python3", [script, proxy.Endpoint.ToString(), Region, parallel.ToString(CultureInfo.InvariantCulture), idsFile])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var errors = json.RootElement.GetProperty("errors").ToString();
        if (errors != "{}")
        {
            Console.Write($"[errors {errors}] ");
        }
        return (json.RootElement.GetProperty("failed").GetInt32(), null);
    }
    finally
    {
        File.Delete(idsFile);
    }
}

async Task CleanUpAsync(IReadOnlyList<FleetAddress> fleet)
{
    foreach (var id in await Ec2Fleet.StillAllocatedAsync(ec2, fleet.Select(a => a.AllocationId)))
    {
        var address = fleet.First(a => a.AllocationId == id);
        if (address.AssociationId is not null)
        {
            try
            {
                await ec2.DisassociateAddressAsync(new Amazon.EC2.Model.DisassociateAddressRequest { AssociationId = address.AssociationId });
            }
            catch (Amazon.EC2.AmazonEC2Exception)
            {
                // already disassociated by the run
            }
        }
        await ec2.ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = id });
    }
}

static long ReadStatusKb(int pid, string field)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
        {
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }
    return 0;
}

internal sealed record Row(string Who, int Parallel, double Seconds, double LeastSeconds, int Failed, int Left, long Throttled, double CallsPerDelete, double? PeakRssMb);
