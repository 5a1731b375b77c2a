// `make bench`: whole-process start-up and memory of the plugin, Native AOT against the same code on the JIT.
// For each run: spawn the plugin as the engine does (engine address as the last argument), time from
// Process.Start to the printed port line, read VmHWM (peak RSS) from /proc/<pid>/status right after the
// port line and again after a GetSchema call, then shut it down the engine's way (Cancel, SIGINT).
// Runs alternate AOT/JIT so drift in machine load hits both alike. Reports; always exits 0 unless it
// cannot run at all.
using System.Diagnostics;
using System.Globalization;
using PublicIp.Harness;
using Pulumirpc;

const double StartTargetSeconds = 0.1;
const double RssTargetMb = 40;

var runs = 15;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--runs" or "-n" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0)
    {
        runs = n;
    }
}

string aotBinary;
try
{
    aotBinary = RepoPaths.ProviderBinary;
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 2;
}
// The JIT side: the IL build `make provider` made on its way to the AOT binary (same sources, same
// moment), else a plain Release build, else one made now.
var providerBin = Path.Combine(RepoPaths.Root, "provider", "PublicIp.Provider", "bin", "Release", "net10.0");
var jitDll = new[] { Path.Combine(providerBin, "linux-x64", "pulumi-resource-publicip.dll"), Path.Combine(providerBin, "pulumi-resource-publicip.dll") }
    .FirstOrDefault(File.Exists) ?? Path.Combine(providerBin, "pulumi-resource-publicip.dll");
if (!File.Exists(jitDll))
{
    Console.WriteLine("bench: the JIT build is missing; building provider/PublicIp.Provider -c Release ...");
    var build = Process.Start(new ProcessStartInfo("dotnet", ["build", Path.Combine(RepoPaths.Root, "provider", "PublicIp.Provider"), "-c", "Release", "--nologo", "-v", "q"]) { UseShellExecute = false })!;
    await build.WaitForExitAsync();
    if (build.ExitCode != 0 || !File.Exists(jitDll))
    {
        Console.Error.WriteLine($"bench: could not build {jitDll}");
        return 2;
    }
}
Console.WriteLine($"bench: AOT = {Path.GetRelativePath(RepoPaths.Root, aotBinary)}; JIT = dotnet {Path.GetRelativePath(RepoPaths.Root, jitDll)}");

var variants = new[]
{
    new Variant("AOT", aotBinary, []),
    new Variant("JIT", "dotnet", [jitDll]),
};

Console.WriteLine($"bench: {runs} runs each (+1 warm-up), alternating; {Environment.ProcessorCount} cores; AOT binary {new FileInfo(aotBinary).Length / 1048576.0:0.0} MiB");
await using var engine = await FakeEngine.StartAsync();
var results = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
for (var run = 0; run <= runs; run++)
{
    foreach (var v in variants)
    {
        var sample = await MeasureAsync(v, engine.Address);
        if (run > 0)
        {
            results[v.Name].Add(sample);
        }
    }
    Console.Write(run == 0 ? "warm-up done; runs: " : $"{run} ");
}
Console.WriteLine();
Console.WriteLine($"load average after the runs: {File.ReadAllText("/proc/loadavg").Trim()} (other work on the machine inflates the times)");
Console.WriteLine();

var aot = results["AOT"];
var jit = results["JIT"];
var rows = new (string Metric, Func<Sample, double> Get, string Unit)[]
{
    ("start-to-port", s => s.StartToPort.TotalMilliseconds, "ms"),
    ("peak RSS at port line", s => s.HwmAtPortKb / 1024.0, "MB"),
    ("peak RSS after GetSchema", s => s.HwmAfterSchemaKb / 1024.0, "MB"),
    ("first GetSchema call", s => s.GetSchema.TotalMilliseconds, "ms"),
    ("shutdown (Cancel+SIGINT→exit)", s => s.Shutdown.TotalMilliseconds, "ms"),
};
Console.WriteLine($"{"metric",-32} {"AOT median",11} {"AOT p90",9} {"JIT median",11} {"JIT p90",9} {"AOT/JIT",8}");
Console.WriteLine(new string('-', 84));
foreach (var (metric, get, unit) in rows)
{
    var am = Percentile(aot.Select(get), 50);
    var a9 = Percentile(aot.Select(get), 90);
    var jm = Percentile(jit.Select(get), 50);
    var j9 = Percentile(jit.Select(get), 90);
    Console.WriteLine($"{metric,-32} {Fmt(am, unit),11} {Fmt(a9, unit),9} {Fmt(jm, unit),11} {Fmt(j9, unit),9} {am / jm,8:0.00}");
}
Console.WriteLine("(MB = MiB; peak RSS = VmHWM from /proc/<pid>/status; JIT = `dotnet pulumi-resource-publicip.dll`, same code, Release)");
Console.WriteLine();

var startMedian = Percentile(aot.Select(s => s.StartToPort.TotalSeconds), 50);
var startP90 = Percentile(aot.Select(s => s.StartToPort.TotalSeconds), 90);
var rssMedian = Percentile(aot.Select(s => s.HwmAfterSchemaKb / 1024.0), 50);
var rssMax = aot.Max(s => s.HwmAfterSchemaKb / 1024.0);
Console.WriteLine("targets (AOT):");
Console.WriteLine($"  start-to-port <= {StartTargetSeconds:0.0#} s : median {startMedian:0.000} s, p90 {startP90:0.000} s -> {(startMedian <= StartTargetSeconds ? "HOLDS" : "MISSED")}{(startMedian <= StartTargetSeconds && startP90 > StartTargetSeconds ? " (p90 over)" : "")}");
Console.WriteLine($"  peak RSS <= {RssTargetMb:0} MB     : median {rssMedian:0.0} MB, max {rssMax:0.0} MB (after GetSchema) -> {(rssMax <= RssTargetMb ? "HOLDS" : rssMedian <= RssTargetMb ? "HOLDS at median, max over" : "MISSED")}");
return 0;

static async Task<Sample> MeasureAsync(Variant v, string engineAddress)
{
    await using var plugin = await PluginProcess.StartAsync([.. v.Prefix, engineAddress], binary: v.File);
    var hwmAtPort = ReadStatusKb(plugin.ProcessId, "VmHWM");
    var watch = Stopwatch.StartNew();
    var schema = await plugin.Client.GetSchemaAsync(new GetSchemaRequest());
    var getSchema = watch.Elapsed;
    if (schema.Schema.Length == 0)
    {
        throw new InvalidOperationException($"{v.Name}: GetSchema returned an empty schema");
    }
    var hwmAfterSchema = ReadStatusKb(plugin.ProcessId, "VmHWM");
    var shutdown = await plugin.ShutdownAsync();
    return new Sample(plugin.StartToPort, hwmAtPort, hwmAfterSchema, getSchema, shutdown);
}

static long ReadStatusKb(int pid, string key)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith(key + ":", StringComparison.Ordinal))
        {
            return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }
    throw new InvalidOperationException($"no {key} in /proc/{pid}/status");
}

static double Percentile(IEnumerable<double> values, int p)
{
    var sorted = values.Order().ToArray();
    if (sorted.Length == 0)
    {
        return double.NaN;
    }
    // nearest-rank
    var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
    return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
}

static string Fmt(double value, string unit) => unit == "MB" ? $"{value:0.0} MB" : $"{value:0.0} ms";

internal sealed record Variant(string Name, string File, string[] Prefix);

internal sealed record Sample(TimeSpan StartToPort, long HwmAtPortKb, long HwmAfterSchemaKb, TimeSpan GetSchema, TimeSpan Shutdown);
