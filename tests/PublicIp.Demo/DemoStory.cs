using System.Diagnostics;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Protocol.Values;
using Pulumirpc;

namespace PublicIp.Demo;

/// <summary>A failure of the demo itself (not a diagnostic the story expects).</summary>
public sealed class DemoFailure(string message) : Exception(message);

/// <summary>One chapter of one example, as the summary lists it.</summary>
public sealed record ChapterOutcome(string Example, string Chapter, bool Ok, string Result, int Ec2Calls);

/// <summary>
/// `make demo`: plays every example program the way `pulumi preview / up / refresh / destroy` would, through the
/// published plugin and our engine harness, against moto behind the EC2 rules proxy (so moto answers as EC2 does
/// where it would not: InUse in a non-default VPC, DryRun permissions, reverse DNS). Each example tells a part of
/// the provider's main job: a DryRun preview, a create, a refresh that sees a change made outside Pulumi, a
/// destroy rehearsal, a release EC2 refuses (diagnosed, the resource kept), and the delete's steps and their cost.
/// </summary>
public sealed class DemoStory(TextWriter output, Func<string, string?> environment)
{
    private const string Package = "publicip";
    private readonly TextWriter _out = TextWriter.Synchronized(output);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ChapterOutcome> _outcomes = [];
    private bool _explainedLoopbackAddresses;

    public IReadOnlyList<ChapterOutcome> Outcomes => _outcomes;

    private Func<string, string?> Env => environment;

    /// <summary>Every examples/*/Pulumi.yaml, in name order.</summary>
    public static IReadOnlyList<string> AllExamples() =>
        [.. Directory.GetDirectories(Path.Combine(RepoPaths.Root, "examples")).Order(StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "Pulumi.yaml")).Where(File.Exists)];

    public async Task<bool> RunAsync(IReadOnlyList<string> programPaths)
    {
        var programs = programPaths.Select(p => (Path: p, Program: YamlProgram.Load(p))).ToList();
        Say($"publicip demo: {programs.Count} example(s), each played as pulumi preview, up, refresh and destroy would play it, through the published plugin");
        var unplayable = programs
            .Select(p => (p.Path, Types: p.Program.Resources.Where(r => !IsOurs(r) && !AwsStandIn.Types.Contains(r.Type)).Select(r => r.Type).ToList(), Ours: p.Program.Resources.Count(IsOurs)))
            .Where(p => p.Types.Count > 0 || p.Ours == 0)
            .ToList();
        foreach (var (path, types, _) in unplayable)
        {
            var why = $"the demo plays {Package} resources and the aws:ec2 resources {string.Join(", ", AwsStandIn.Types)}; found {string.Join(", ", types.DefaultIfEmpty($"no {Package} resource"))}";
            Line($"FAILED: {path}: {why}");
            _outcomes.Add(new ChapterOutcome(path, "read", false, why, 0));
        }
        if (unplayable.Count > 0)
        {
            return false;
        }
        await using var moto = await MotoServer.StartAsync();
        await using var proxy = await Ec2FaultProxy.StartAsync(moto.Endpoint);
        proxy.Ptr.SettleDelay = TimeSpan.Zero;
        Say($"EC2 is moto (a local emulator, {moto.Endpoint}) behind our EC2 rules proxy ({proxy.Endpoint}), which answers as EC2 does where moto " +
            "would not: release of an associated address in a non-default VPC, DryRun permissions, reverse-DNS records");

        // The permission problem is shown once; the refused release where it tells most (an associated address).
        var withAssociation = programs.FindIndex(p => p.Program.Resources.Any(r => IsOurs(r) && (r.Properties.ContainsKey("instanceId") || r.Properties.ContainsKey("networkInterfaceId"))));
        var ok = true;
        for (var i = 0; i < programs.Count; i++)
        {
            var example = new ExampleRun(this, programs[i].Program, programs[i].Path, moto, proxy,
                ShowPermissionProblem: i == 0, ShowRefusedRelease: i == (withAssociation >= 0 ? withAssociation : 0));
            ok &= await example.RunAsync();
        }
        ok &= await OperatorSweepAsync(proxy, moto);
        PrintSummary();
        return ok && _outcomes.All(o => o.Ok);
    }

    /// <summary>
    /// The operator's side, in the same binary: `pulumi-resource-publicip sweep` lists the account's addresses with
    /// their ownership and idle cost, and releases a chosen one through the same release steps as a delete.
    /// </summary>
    private async Task<bool> OperatorSweepAsync(Ec2FaultProxy proxy, MotoServer moto)
    {
        const string chapter = "operator sweep";
        var region = Env("AWS_REGION") is { Length: > 0 } r ? r : Env("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d : Ec2TestClient.DefaultRegion;
        Console();
        Say($"=== operators: the sweep command of the same binary (region {region})");
        using var console = Ec2TestClient.Create(moto.Endpoint, region);
        var stray = await console.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc });
        Line($"outside any stack: someone allocated {stray.PublicIp} ({stray.AllocationId}) by hand and forgot it");
        string[] common = ["--aws-region", region, "-c", $"awsEndpoint={proxy.Endpoint}", "-c", "awsAccessKey=testing", "-c", "awsSecretKey=testing"];
        proxy.Journal.Clear();
        var list = await RunBinaryAsync(["sweep", .. common]);
        Line($"$ {RepoPaths.BinaryName} sweep --aws-region {region}   (exit code {list.ExitCode})");
        Indented(list.Output);
        Line("it has none of the provider's ownership marks, so sweep calls it foreign and releases it only when it is named:");
        var release = await RunBinaryAsync(["sweep", .. common, "--release", stray.AllocationId]);
        Line($"$ {RepoPaths.BinaryName} sweep --aws-region {region} --release {stray.AllocationId}   (exit code {release.ExitCode})");
        Indented(release.Output);
        var calls = proxy.Journal.Entries.Count;
        var left = (await console.DescribeAddressesAsync(new DescribeAddressesRequest())).Addresses ?? [];
        var ok = list.ExitCode is 0 or 3 && release.ExitCode == 0 && left.All(a => a.AllocationId != stray.AllocationId);
        Line(ok ? $"{stray.PublicIp} is released; EC2 calls for both commands: {calls}" : $"FAILED: the sweep did not list and release {stray.AllocationId}");
        _outcomes.Add(new ChapterOutcome("operator", chapter, ok, ok ? "listed the forgotten address, released it" : "did not release it", calls));
        return ok;
    }

    private static async Task<(int ExitCode, string Output)> RunBinaryAsync(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(RepoPaths.ProviderBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        psi.Environment["COLUMNS"] = "150";
        using var p = Process.Start(psi) ?? throw new DemoFailure("could not start the plugin binary");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new DemoFailure($"{string.Join(' ', args.Take(1))} did not finish within 60 s");
        }
        return (p.ExitCode, (await stdout + await stderr).TrimEnd());
    }

    private void Indented(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            _out.WriteLine($"          {line.TrimEnd()}");
        }
    }

    private void PrintSummary()
    {
        Console();
        Say("== summary");
        var width = _outcomes.Select(o => o.Example.Length).DefaultIfEmpty(10).Max();
        var chapterWidth = _outcomes.Select(o => o.Chapter.Length).DefaultIfEmpty(10).Max();
        foreach (var o in _outcomes)
        {
            Line($"{o.Example.PadRight(width)}  {o.Chapter.PadRight(chapterWidth)}  {(o.Ok ? "ok    " : "FAILED")}  {o.Result}");
        }
        var failed = _outcomes.Count(o => !o.Ok);
        Line($"{_outcomes.Select(o => o.Example).Where(e => e != "operator").Distinct().Count()} example(s) and the operator's sweep, {_outcomes.Count} chapters, {failed} failed; " +
             $"the provider made {_outcomes.Sum(o => o.Ec2Calls)} EC2 calls in all; {_clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static bool IsOurs(YamlResource r) => r.Type.StartsWith(Package + ":", StringComparison.Ordinal);

    private void Console() => _out.WriteLine();

    private void Say(string text) => _out.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:0.0}s] {text}");

    private void Line(string text) => _out.WriteLine($"        {text}");

    /// <summary>A diagnostic as a Pulumi user reads it, wrapped, under the step that produced it.</summary>
    private void Diagnostic(string label, string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var line = $"{label}: ";
        var indent = new string(' ', label.Length + 2);
        foreach (var w in words)
        {
            if (line.Length + w.Length > 110 && line.Trim().Length > label.Length + 1)
            {
                _out.WriteLine($"          {line.TrimEnd()}");
                line = indent;
            }
            line += w + " ";
        }
        _out.WriteLine($"          {line.TrimEnd()}");
    }

    private sealed record ExampleRun(DemoStory Story, YamlProgram Program, string ProgramPath, MotoServer Moto, Ec2FaultProxy Proxy, bool ShowPermissionProblem, bool ShowRefusedRelease)
    {
        private string Name => Path.GetRelativePath(RepoPaths.Root, Path.GetDirectoryName(Path.GetFullPath(ProgramPath))!);

        public async Task<bool> RunAsync()
        {
            var s = Story;
            s.Console();
            var (region, regionSource) = Region();
            s.Say($"=== {Name}: {Program.Name}");
            if (Program.Description is { Length: > 0 } description)
            {
                s.Line(description.Split(". ")[0].TrimEnd('.') + ".");
            }
            s.Line($"region {region} ({regionSource})");
            var ours = Program.Resources.Where(IsOurs).ToList();
            var theirs = Program.Resources.Where(r => !IsOurs(r)).ToList();
            if (theirs.Count > 0)
            {
                s.Line($"{string.Join(", ", theirs.Select(r => r.Name))}: played by the demo with the AWS SDK, as the Pulumi AWS provider would (it cannot be installed here)");
            }

            using var motoEc2 = Ec2TestClient.Create(Moto.Endpoint, region);   // the demo's own checks and "console", not journaled
            using var viaProxy = Ec2TestClient.Create(Proxy.Endpoint, region); // for what only the proxy emulates (reverse DNS)
            var config = Config(rehearse: false);
            var env = RegionPinned ? null : new Dictionary<string, string?> { ["AWS_REGION"] = region };
            await using var h = await LifecycleHarness.StartConfiguredAsync(config, env);
            h.Engine.Logged += ShowMessage;
            var world = new World(Program, motoEc2);
            try
            {
                await Chapter("preview (DryRun)", () => PreviewAsync(h, world, ours));
                if (ShowPermissionProblem)
                {
                    await Chapter("preview without permission", () => DeniedPreviewAsync(h, world, ours[0]));
                }
                await Chapter("up", () => UpAsync(h, world, ours, theirs, region));
                await Chapter("refresh + update", () => OutOfBandAsync(h, world, ours[0], motoEc2));
                await Chapter("destroy rehearsal", () => RehearsalAsync(h, ours, motoEc2, env));
                if (ShowRefusedRelease)
                {
                    await Chapter("release refused", () => RefusedReleaseAsync(h, ours[^1], motoEc2, viaProxy));
                }
                await Chapter("destroy", () => DestroyAsync(h, ours, motoEc2));
            }
            catch (DemoFailure)
            {
                return false;
            }
            var stop = await h.Plugin.ShutdownAsync();
            s.Line($"plugin stopped cleanly in {stop.TotalMilliseconds:0} ms (exit code {h.Plugin.ExitCode})");
            return true;
        }

        private bool RegionPinned => Program.Config.ContainsKey($"{Package}:awsRegion");

        private (string Region, string Source) Region()
        {
            if (Program.Config.GetValueOrDefault($"{Package}:awsRegion") is string pinned)
            {
                return (pinned, $"pinned by the example's {Package}:awsRegion");
            }
            foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
            {
                if (Story.Env(variable) is { Length: > 0 } fromEnv)
                {
                    return (fromEnv, $"from {variable}, which the provider reads when {Package}:awsRegion is not set");
                }
            }
            return (Ec2TestClient.DefaultRegion, $"neither the example nor AWS_REGION sets one, so the demo uses {Ec2TestClient.DefaultRegion}");
        }

        private PropertyMap Config(bool rehearse)
        {
            var items = Program.Config
                .Where(kv => kv.Key.StartsWith(Package + ":", StringComparison.Ordinal) && kv.Key != $"{Package}:rehearseDeletes")
                .Select(kv => (kv.Key[(Package.Length + 1)..], (object?)World.ToProperty(kv.Value)))
                .ToList();
            items.Add(("awsEndpoint", Proxy.Endpoint.ToString()));
            items.Add(("awsAccessKey", Props.Secret("testing")));
            items.Add(("awsSecretKey", Props.Secret("testing")));
            if (rehearse)
            {
                items.Add(("rehearseDeletes", true));
            }
            return Props.Map([.. items]);
        }

        private async Task Chapter(string title, Func<Task<(string Result, int Calls)>> body)
        {
            Story.Console();
            Story.Say($"== {title}");
            try
            {
                var (result, calls) = await body();
                Story._outcomes.Add(new ChapterOutcome(Name, title, true, result, calls));
            }
            catch (Exception e) when (e is DemoFailure or Amazon.Runtime.AmazonServiceException or InvalidOperationException)
            {
                Story.Line($"FAILED: {e.Message}");
                Story._outcomes.Add(new ChapterOutcome(Name, title, false, e.Message.Split('\n')[0], 0));
                throw e as DemoFailure ?? new DemoFailure(e.Message);
            }
        }

        private void ShowMessage(EngineMessage m)
        {
            if (m.Severity == LogSeverity.Debug)
            {
                return;
            }
            if (m.Ephemeral)
            {
                Story._out.WriteLine($"          ... {m.Message}");
                return;
            }
            Story.Diagnostic(m.Severity.ToString().ToLowerInvariant(), m.Message);
        }

        // ---- chapters ----

        private async Task<(string, int)> PreviewAsync(LifecycleHarness h, World world, List<YamlResource> ours)
        {
            Story.Line("pulumi preview: nothing exists yet; the provider asks EC2 with DryRun whether the calls `up` will make are permitted");
            Proxy.Journal.Clear();
            foreach (var r in ours)
            {
                var spec = world.Spec(r, preview: true);
                var result = Ensure(h, await h.PreviewAsync(spec));
                Story.Line($"+ {r.Name} ({r.Type}): create");
                foreach (var (key, value) in spec.Inputs)
                {
                    if (value is UnknownValue)
                    {
                        Story.Line($"  {key} is known only after up, so its DryRun waits for up");
                    }
                }
                _ = result;
            }
            var dryRuns = Proxy.Journal.Entries.Where(e => e.DryRun).ToList();
            foreach (var e in dryRuns)
            {
                Story.Line($"  EC2 {e.Action} with DryRun: {(e.ErrorCode == "DryRunOperation" ? "permitted" : e.ErrorCode)}");
            }
            if (dryRuns.Count == 0 || Proxy.Journal.Entries.Any(e => !e.DryRun && e.Action is "AllocateAddress" or "AssociateAddress" or "CreateTags"))
            {
                throw new DemoFailure("the preview made no DryRun call, or made a call that changes something");
            }
            var addresses = (await world.Ec2.DescribeAddressesAsync(new DescribeAddressesRequest())).Addresses ?? [];
            Story.Line($"nothing was created: EC2 holds {addresses.Count} address(es)");
            return ($"{string.Join(", ", dryRuns.Select(e => e.Action).Distinct())} checked with DryRun", Proxy.Journal.Entries.Count);
        }

        private async Task<(string, int)> DeniedPreviewAsync(LifecycleHarness h, World world, YamlResource r)
        {
            Story.Line("the same preview with credentials that may not allocate addresses (the proxy answers AllocateAddress's DryRun with UnauthorizedOperation, as EC2 does)");
            Proxy.Journal.Clear();
            var denied = Proxy.Inject(Fault.DeniedOnDryRun("AllocateAddress"));
            try
            {
                var result = await h.PreviewAsync(world.Spec(r, preview: true));
                if (result.Ok || result.Code != Grpc.Core.StatusCode.PermissionDenied)
                {
                    throw new DemoFailure($"a preview without permission should fail with a permission error, got {(result.Ok ? "success" : result.Code.ToString())}");
                }
                Story.Line($"x {r.Name}: the preview fails, before anything is created:");
                Story.Diagnostic("error", result.Error ?? "");
            }
            finally
            {
                denied.Remove();
            }
            return ("failed as it should, naming the missing IAM permission", Proxy.Journal.Entries.Count);
        }

        private async Task<(string, int)> UpAsync(LifecycleHarness h, World world, List<YamlResource> ours, List<YamlResource> theirs, string region)
        {
            foreach (var r in theirs)
            {
                var outputs = await world.CreateTheirsAsync(r);
                Story.Line($"+ {r.Name} ({r.Type}): created {outputs["id"]} (by the demo)");
            }
            Proxy.Journal.Clear();
            foreach (var r in ours)
            {
                var result = Ensure(h, await h.UpAsync(world.Spec(r, preview: false)));
                var o = result.Outputs;
                var association = o.Str("associationId") is { Length: > 0 } a ? $", associated with {o.Str("instanceId") ?? o.Str("networkInterfaceId")} ({a})" : ", not associated";
                Story.Line($"+ {r.Name} ({r.Type}): created {result.Id}, public IP {o.Str("publicIp")}{association}");
                var seen = await FindAsync(world.Ec2, result.Id!) ?? throw new DemoFailure($"the demo's own check found no {result.Id} in {region} after up");
                Story.Line($"  EC2 ({region}) holds {seen.AllocationId} = {seen.PublicIp}{(string.IsNullOrEmpty(seen.AssociationId) ? "" : $", on {seen.InstanceId}")}");
                if (!Story._explainedLoopbackAddresses && (o.Str("publicIp") ?? "").StartsWith("127.", StringComparison.Ordinal))
                {
                    Story.Line("  (moto hands out 127.x addresses; on AWS this would be a public IPv4 address)");
                    Story._explainedLoopbackAddresses = true;
                }
            }
            Story.Line($"EC2 calls: {Calls(Proxy.Journal.Entries)}");
            foreach (var (name, expression) in Program.Outputs)
            {
                Story.Line($"output {name}: {Show(world.ResolveOutput(expression, h))}");
            }
            return ($"{ours.Count} created, {theirs.Count} stand-in(s)", Proxy.Journal.Entries.Count);
        }

        private async Task<(string, int)> OutOfBandAsync(LifecycleHarness h, World world, YamlResource r, IAmazonEC2 console)
        {
            var before = h.State[r.Name];
            var associationId = before.Outputs.Str("associationId");
            string change;
            if (!string.IsNullOrEmpty(associationId))
            {
                await console.DisassociateAddressAsync(new DisassociateAddressRequest { AssociationId = associationId });
                change = $"someone disassociates {before.Outputs.Str("publicIp")} from {before.Outputs.Str("instanceId")} in the console";
            }
            else
            {
                await console.CreateTagsAsync(new CreateTagsRequest { Resources = [before.Id], Tags = [new Amazon.EC2.Model.Tag("owner", "someone-in-the-console")] });
                change = "someone adds the tag owner=someone-in-the-console in the console";
            }
            Story.Line($"outside Pulumi: {change}");
            Proxy.Journal.Clear();
            var refreshed = Ensure(h, await h.RefreshAsync(r.Name));
            var changed = Changes(before.Outputs, refreshed.Outputs);
            if (changed.Count == 0)
            {
                throw new DemoFailure("pulumi refresh did not see the change made outside Pulumi");
            }
            Story.Line($"~ {r.Name}: pulumi refresh reads EC2 and updates the state: {string.Join("; ", changed)}");
            var refreshCalls = Proxy.Journal.Entries.Count;

            Proxy.Journal.Clear();
            var up = Ensure(h, await h.UpAsync(world.Spec(r, preview: false)));
            var kind = up.Diff is null ? "no change" : up.Diff.Replaces.Count > 0 ? "replace" : up.Diff.Changes == DiffResponse.Types.DiffChanges.DiffSome ? "update" : "no change";
            if (kind != "update")
            {
                throw new DemoFailure($"pulumi up after the refresh should update {r.Name} in place, but it was: {kind}");
            }
            Story.Line($"~ {r.Name}: pulumi up puts back what the program says: update in place ({string.Join(", ", up.Diff!.Diffs)}); EC2 calls: {Calls(Proxy.Journal.Entries)}");
            var now = await FindAsync(console, up.Id!) ?? throw new DemoFailure($"{up.Id} vanished");
            if (!string.IsNullOrEmpty(associationId) ? string.IsNullOrEmpty(now.AssociationId) : (now.Tags ?? []).Any(t => t.Key == "owner"))
            {
                throw new DemoFailure("after the update EC2 still shows the change made outside Pulumi");
            }
            return ($"refresh saw it; update put it back", refreshCalls + Proxy.Journal.Entries.Count);
        }

        private async Task<(string, int)> RehearsalAsync(LifecycleHarness h, List<YamlResource> ours, IAmazonEC2 console, Dictionary<string, string?>? env)
        {
            var why = Program.Config.GetValueOrDefault($"{Package}:rehearseDeletes") is true
                ? $"the example sets {Package}:rehearseDeletes: true, so its pulumi destroy is a rehearsal"
                : $"with `pulumi config set {Package}:rehearseDeletes true`, pulumi destroy is a rehearsal";
            Story.Line($"{why}: it asks EC2 with DryRun whether each step would be permitted, changes nothing, and fails on purpose so the address stays in the stack");
            await using var rehearsal = await LifecycleHarness.StartConfiguredAsync(Config(rehearse: true), env);
            rehearsal.Engine.Logged += ShowMessage;
            Proxy.Journal.Clear();
            var calls = 0;
            foreach (var r in ours.AsEnumerable().Reverse())
            {
                var entry = h.State[r.Name];
                var before = await FindAsync(console, entry.Id);
                rehearsal.Adopt(entry);
                var result = await rehearsal.DestroyAsync(r.Name);
                if (result.Ok)
                {
                    throw new DemoFailure("a destroy rehearsal must not succeed: it would drop the resource from the stack");
                }
                var after = await FindAsync(console, entry.Id);
                if (after is null || after.AssociationId != before?.AssociationId || !rehearsal.State.ContainsKey(r.Name))
                {
                    throw new DemoFailure("the rehearsal changed the address");
                }
                Story.Line($"- {r.Name}: delete rehearsed; EC2 calls: {Calls(Proxy.Journal.Entries)}");
                Story.Line($"  {r.Name} is unchanged in EC2 and still in the stack: a rehearsal that refuses on purpose is the expected outcome");
                calls += Proxy.Journal.Entries.Count;
                Proxy.Journal.Clear();
            }
            await rehearsal.Plugin.ShutdownAsync();
            return ("refused on purpose; nothing changed", calls);
        }

        private async Task<(string, int)> RefusedReleaseAsync(LifecycleHarness h, YamlResource r, IAmazonEC2 console, IAmazonEC2 viaProxy)
        {
            var entry = h.State[r.Name];
            var before = await FindAsync(console, entry.Id) ?? throw new DemoFailure($"{entry.Id} is gone");
            const string domain = "web.example.com";
            await viaProxy.ModifyAddressAttributeAsync(new ModifyAddressAttributeRequest { AllocationId = entry.Id, DomainName = domain });
            Story.Line($"outside Pulumi: someone sets a reverse-DNS (PTR) record {domain} on {before.PublicIp}; EC2 refuses to release an address that has one");
            Proxy.Journal.Clear();
            var result = await h.DestroyAsync(r.Name, Timeout(r, "delete"));
            if (result.Ok)
            {
                throw new DemoFailure("the delete should have been refused while the PTR record is set");
            }
            Story.Line($"x {r.Name}: pulumi destroy fails with a diagnostic that says what happened and what to do:");
            Story.Diagnostic("error", result.Error ?? "");
            var after = await FindAsync(console, entry.Id);
            if (!h.State.ContainsKey(r.Name) || after is null || after.AssociationId != before.AssociationId)
            {
                throw new DemoFailure("after the refused delete the resource must stay in the stack and the address be as it was");
            }
            var calls = Proxy.Journal.Entries.Count;
            Story.Line($"  EC2 calls: {Calls(Proxy.Journal.Entries)}: refused before any change, so {r.Name} stays in the stack and {(string.IsNullOrEmpty(before.AssociationId) ? "the address" : $"the address stays on {before.InstanceId}")} as it was");
            await viaProxy.ResetAddressAttributeAsync(new ResetAddressAttributeRequest { AllocationId = entry.Id, Attribute = AddressAttributeName.DomainName });
            if (Proxy.Ptr.RecordOf(entry.Id) is not null)
            {
                throw new DemoFailure("the PTR record did not go away");
            }
            Story.Line("the cause removed: the PTR record is reset; the next destroy goes through");
            return ("refused with a diagnostic; resource kept", calls);
        }

        private async Task<(string, int)> DestroyAsync(LifecycleHarness h, List<YamlResource> ours, IAmazonEC2 console)
        {
            Story.Line("pulumi destroy: each delete reads the address's truth in EC2, disassociates it if something holds it, then releases it");
            var calls = 0;
            foreach (var r in ours.AsEnumerable().Reverse())
            {
                var id = h.State[r.Name].Id;
                Proxy.Journal.Clear();
                var timeout = Timeout(r, "delete");
                Ensure(h, await h.DestroyAsync(r.Name, timeout));
                var entries = Proxy.Journal.Entries;
                Story.Line($"- {r.Name}: deleted {id} in {entries.Count} EC2 call(s):");
                foreach (var e in entries)
                {
                    Story.Line($"    {StepName(e.Action),-24} {e.Action}{(e.ErrorCode is null ? "" : $" -> {e.ErrorCode}")}");
                }
                if (await FindAsync(console, id) is not null || h.State.ContainsKey(r.Name))
                {
                    throw new DemoFailure($"{id} is still in EC2 or in the stack after its delete");
                }
                calls += entries.Count;
            }
            var left = (await console.DescribeAddressesAsync(new DescribeAddressesRequest())).Addresses ?? [];
            Story.Line($"EC2 holds {left.Count} address(es) and the stack {h.State.Count} resource(s) of this example");
            if (left.Count > 0)
            {
                throw new DemoFailure($"left behind: {string.Join(", ", left.Select(a => a.AllocationId))}");
            }
            return ($"{ours.Count} deleted in {calls} EC2 call(s), nothing left", calls);
        }

        // ---- helpers ----

        private StepResult Ensure(LifecycleHarness h, StepResult r)
        {
            if (!r.Ok)
            {
                var stderr = h.Plugin.Stderr;
                throw new DemoFailure($"{r.Step} failed: {r.Code} {r.Error} " + string.Join("; ", r.CheckFailures.Select(f => $"{f.Property}: {f.Reason}")) +
                    (stderr.Length > 0 ? $"\nplugin stderr (tail):\n{stderr[Math.Max(0, stderr.Length - 2000)..]}" : ""));
            }
            return r;
        }

        private static double Timeout(YamlResource r, string operation) =>
            r.Options.GetValueOrDefault("customTimeouts") is Dictionary<string, object?> t && t.GetValueOrDefault(operation) is string s && s.Length > 1
                ? s[^1] switch { 's' => double.Parse(s[..^1], System.Globalization.CultureInfo.InvariantCulture), 'm' => 60 * double.Parse(s[..^1], System.Globalization.CultureInfo.InvariantCulture), 'h' => 3600 * double.Parse(s[..^1], System.Globalization.CultureInfo.InvariantCulture), _ => 0 }
                : 0;

        private static string StepName(string action) => action switch
        {
            "DescribeAddresses" => "read",
            "DescribeAddressesAttribute" => "read the PTR record",
            "DisassociateAddress" => "disassociate",
            "ReleaseAddress" => "release",
            "ResetAddressAttribute" => "remove the PTR record",
            _ => action,
        };

        private static string Calls(IReadOnlyList<Ec2JournalEntry> entries) =>
            entries.Count == 0 ? "none" : string.Join(", ", entries.Select(e =>
                e.Action + (e.DryRun ? $" (DryRun: {(e.ErrorCode == "DryRunOperation" ? "permitted" : e.ErrorCode)})" : e.ErrorCode is null ? "" : $" -> {e.ErrorCode}")));

        private static List<string> Changes(PropertyMap before, PropertyMap after)
        {
            var keys = before.Select(kv => kv.Key).Union(after.Select(kv => kv.Key)).Order(StringComparer.Ordinal);
            return [.. keys.Where(k => Show(before.Get(k)) != Show(after.Get(k))).Select(k => $"{k} {Show(before.Get(k))} -> {Show(after.Get(k))}")];
        }

        private static async Task<Address?> FindAsync(IAmazonEC2 ec2, string allocationId)
        {
            var all = await ec2.DescribeAddressesAsync(new DescribeAddressesRequest());
            return (all.Addresses ?? []).FirstOrDefault(a => a.AllocationId == allocationId);
        }
    }

    internal static string Show(PropertyValue? v) => v switch
    {
        null or NullValue => "(none)",
        UnknownValue => "(known after up)",
        SecretValue => "[secret]",
        StringValue { Value.Length: 0 } => "(none)",
        StringValue s => s.Value,
        ObjectValue o => "{" + string.Join(", ", o.Properties.Select(kv => $"{kv.Key}: {Show(kv.Value)}")) + "}",
        _ => v.ToString(),
    };
}
