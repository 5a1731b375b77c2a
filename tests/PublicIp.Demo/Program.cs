// `make demo`: plays a Pulumi YAML program (default examples/yaml/Pulumi.yaml) against a local moto the way
// the Pulumi engine would: preview -> up -> refresh -> update (a changed tag) -> destroy, through the
// published plugin binary and the test harness, then checks with the AWS SDK that no address is left.
using System.Diagnostics;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.AwsEmulation;
using PublicIp.Demo;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

var programPath = args.Length > 0 ? args[0] : Path.Combine("examples", "yaml", "Pulumi.yaml");
if (!File.Exists(programPath))
{
    var fromRoot = Path.Combine(RepoPaths.Root, programPath);
    programPath = File.Exists(fromRoot) ? fromRoot : throw new FileNotFoundException($"demo: no Pulumi program at {programPath}");
}

var demo = new Demo(YamlProgram.Load(programPath), programPath);
try
{
    await demo.RunAsync();
    Console.WriteLine();
    Console.WriteLine("demo: OK: preview, up, refresh, update and destroy all succeeded; no address left behind.");
    return 0;
}
catch (DemoFailure e)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"demo: FAILED: {e.Message}");
    return 1;
}
catch (Exception e) when (e is MotoStartupException or FileNotFoundException or FormatException or InvalidOperationException or TimeoutException)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"demo: FAILED: {e.GetType().Name}: {e.Message}");
    return 1;
}

internal sealed class DemoFailure(string message) : Exception(message);

internal sealed class Demo(YamlProgram program, string programPath)
{
    private const string Package = "publicip";
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task RunAsync()
    {
        Say($"program {program.Name} from {Path.GetRelativePath(Environment.CurrentDirectory, programPath)}: " +
            $"{program.Resources.Count} resource(s): {string.Join(", ", program.Resources.Select(r => $"{r.Name} ({r.Type})"))}");
        var foreign = program.Resources.Where(r => !r.Type.StartsWith(Package + ":", StringComparison.Ordinal)).ToList();
        if (foreign.Count > 0 || program.Resources.Count == 0)
        {
            throw new DemoFailure($"the demo plays only {Package} resources; found: {string.Join(", ", foreign.Select(r => r.Type))}");
        }

        await using var moto = await MotoServer.StartAsync();
        Say($"moto started at {moto.Endpoint} (pid {moto.ProcessId})");
        using var ec2 = Ec2TestClient.Create(moto.Endpoint);

        await using var harness = await LifecycleHarness.StartAsync();
        Say($"plugin {Path.GetFileName(RepoPaths.ProviderBinary)} started (pid {harness.Plugin.ProcessId}, port {harness.Plugin.Port}, " +
            $"port printed after {harness.Plugin.StartToPort.TotalMilliseconds:0} ms); Handshake and GetPluginInfo done");
        harness.Engine.Logged += m => Console.WriteLine($"      [plugin {m.Severity.ToString().ToLowerInvariant()}{(m.Ephemeral ? ", status" : "")}] {m.Message}");

        // Provider config: the program's `publicip:` keys, plus what pointing at moto needs.
        var config = program.Config
            .Where(kv => kv.Key.StartsWith(Package + ":", StringComparison.Ordinal))
            .Select(kv => (kv.Key[(Package.Length + 1)..], (object?)kv.Value))
            .ToList();
        config.Add(("awsEndpoint", moto.Endpoint.ToString()));
        config.Add(("awsAccessKey", Props.Secret("testing")));
        config.Add(("awsSecretKey", Props.Secret("testing")));
        Step("configure", $"CheckConfig + Configure with {string.Join(", ", config.Select(c => c.Item1))} (endpoint and moto's dummy keys added by the demo; keys sent as secrets)");
        Ensure(await harness.ConfigureAsync(Props.Map([.. config])));

        var specs = program.Resources.Select(r => new ResourceSpec(r.Type, r.Name, Props.Map([.. r.Properties.Select(p => (p.Key, (object?)p.Value))]))).ToList();

        Step("preview", "pulumi preview: Check, then Create with preview=true");
        foreach (var spec in specs)
        {
            var r = Ensure(await harness.PreviewAsync(spec));
            Detail($"+ {spec.Name}: would create ({string.Join(" -> ", r.Calls)}); id {(string.IsNullOrEmpty(r.Id) ? "(none yet)" : r.Id)}, " +
                   $"publicIp {Show(r.Outputs.Get("publicIp"))}, domain {Show(r.Outputs.Get("domain"))}");
            if (harness.State.ContainsKey(spec.Name))
            {
                throw new DemoFailure("a preview changed the state");
            }
        }

        Step("up", "pulumi up: Check, Create");
        foreach (var spec in specs)
        {
            var r = Ensure(await harness.UpAsync(spec));
            if (string.IsNullOrEmpty(r.Id) || !r.Id.StartsWith("eipalloc-", StringComparison.Ordinal))
            {
                throw new DemoFailure($"{spec.Name}: Create returned id '{r.Id}'");
            }
            Detail($"+ {spec.Name}: created id {r.Id}, publicIp {Show(r.Outputs.Get("publicIp"))}, tags {Show(r.Outputs.Get("tags"))}");
            var address = await FindAsync(ec2, r.Id) ?? throw new DemoFailure($"{r.Id} is not in moto after up");
            Detail($"  AWS SDK sees {address.AllocationId} = {address.PublicIp}, tags {FormatTags(address.Tags)}");
        }
        PrintOutputs(harness);

        Step("refresh", "pulumi refresh: Read");
        foreach (var spec in specs)
        {
            var before = harness.State[spec.Name];
            var r = Ensure(await harness.RefreshAsync(spec.Name));
            var same = Show(r.Outputs.Get("publicIp")) == Show(before.Outputs.Get("publicIp")) && r.Id == before.Id;
            Detail($"~ {spec.Name}: read id {r.Id}, publicIp {Show(r.Outputs.Get("publicIp"))} ({(same ? "unchanged" : "CHANGED")})");
            if (!same)
            {
                throw new DemoFailure($"{spec.Name}: refresh found a different address");
            }
        }

        Step("update", "pulumi up with a changed tag: Check, Diff, Update");
        foreach (var spec in specs)
        {
            var tags = spec.Inputs.Get("tags") is ObjectValue o ? o.Properties : PropertyMap.Empty;
            var (tagKey, tagValue) = tags.Get("env") is StringValue env ? ("env", env.Value + "-updated") : ("updated-by", "publicip-demo");
            var changed = spec with { Inputs = spec.Inputs.Set("tags", new ObjectValue(tags.Set(tagKey, new StringValue(tagValue)))) };
            var before = harness.State[spec.Name];
            var r = Ensure(await harness.UpAsync(changed));
            var diff = r.Diff;
            Detail($"~ {spec.Name}: tag {tagKey}={tagValue}; diff {diff?.Changes}, changed [{string.Join(", ", diff?.Diffs ?? [])}], " +
                   $"replaces [{string.Join(", ", diff?.Replaces ?? [])}] ({string.Join(" -> ", r.Calls)})");
            if (!r.Calls.Contains("Update") || r.Id != before.Id)
            {
                throw new DemoFailure($"{spec.Name}: a tag change should update in place, but the calls were [{string.Join(", ", r.Calls)}] and the id {before.Id} -> {r.Id}");
            }
            var address = await FindAsync(ec2, r.Id!) ?? throw new DemoFailure($"{r.Id} vanished from moto during update");
            var actual = address.Tags?.FirstOrDefault(t => t.Key == tagKey)?.Value;
            Detail($"  AWS SDK sees tags {FormatTags(address.Tags)}");
            if (actual != tagValue)
            {
                throw new DemoFailure($"{spec.Name}: moto has tag {tagKey}='{actual}', expected '{tagValue}'");
            }
        }

        Step("destroy", "pulumi destroy: Delete");
        foreach (var spec in specs)
        {
            var id = harness.State[spec.Name].Id;
            Ensure(await harness.DestroyAsync(spec.Name));
            Detail($"- {spec.Name}: deleted {id}");
        }

        var left = (await ec2.DescribeAddressesAsync(new DescribeAddressesRequest())).Addresses ?? [];
        Step("verify", $"AWS SDK DescribeAddresses on moto: {left.Count} address(es) left");
        if (left.Count > 0 || harness.State.Count > 0)
        {
            throw new DemoFailure($"left behind: {string.Join(", ", left.Select(a => a.AllocationId))} (state holds {harness.State.Count})");
        }

        var logged = harness.Engine.Messages;
        Say($"the plugin sent {logged.Count} diagnostic(s) through Engine.Log" +
            (logged.Count > 0 ? ": " + string.Join(", ", logged.GroupBy(m => m.Severity).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")) : " (none on this happy path)"));
        var shutdown = await harness.Plugin.ShutdownAsync();
        Say($"plugin stopped (Cancel + SIGINT) in {shutdown.TotalMilliseconds:0} ms, exit code {harness.Plugin.ExitCode}; stopping moto");
        StepResult Ensure(StepResult r)
        {
            if (!r.Ok)
            {
                var stderr = harness.Plugin.Stderr;
                throw new DemoFailure($"{r.Step} failed after [{string.Join(", ", r.Calls)}]: {r.Code} {r.Error} " +
                    string.Join("; ", r.CheckFailures.Select(f => $"{f.Property}: {f.Reason}")) +
                    (stderr.Length > 0 ? $"\nplugin stderr (tail):\n{stderr[Math.Max(0, stderr.Length - 2000)..]}" : ""));
            }
            return r;
        }
    }

    private void PrintOutputs(LifecycleHarness harness)
    {
        foreach (var (name, expression) in program.Outputs)
        {
            // ${resource.property}, the only interpolation the example uses.
            var inner = expression.StartsWith("${", StringComparison.Ordinal) && expression.EndsWith('}') ? expression[2..^1] : null;
            var dot = inner?.IndexOf('.', StringComparison.Ordinal) ?? -1;
            var value = dot > 0 && harness.State.TryGetValue(inner![..dot], out var entry) ? Show(entry.Outputs.Get(inner[(dot + 1)..])) : expression;
            Detail($"output {name}: {value}");
        }
    }

    private static async Task<Address?> FindAsync(IAmazonEC2 ec2, string allocationId)
    {
        var all = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
        return (all.Addresses ?? []).FirstOrDefault(a => a.AllocationId == allocationId);
    }

    private static string FormatTags(List<Amazon.EC2.Model.Tag>? tags) =>
        "{" + string.Join(", ", (tags ?? []).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {t.Value}")) + "}";

    private static string Show(PropertyValue? v) => v switch
    {
        null => "(absent)",
        UnknownValue => "(known after up)",
        SecretValue => "[secret]",
        StringValue s => s.Value,
        ObjectValue o => "{" + string.Join(", ", o.Properties.Select(kv => $"{kv.Key}: {Show(kv.Value)}")) + "}",
        _ => v.ToString(),
    };

    private void Say(string text) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:0.0}s] {text}");

    private void Step(string name, string text) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:0.0}s] == {name}: {text}");

    private static void Detail(string text) => Console.WriteLine($"        {text}");
}
