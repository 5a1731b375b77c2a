using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Ownership;
using PublicIp.Provider.Release;
using Spectre.Console;

namespace PublicIp.Provider.Operator.Sweep;

/// <summary>
/// `sweep`: list the public IPs of some regions with their marks, tell from stack exports which are leaked, and
/// release the chosen ones through Delete's own release workflow (same steps, retries and diagnostics).
/// </summary>
public sealed class SweepCommand : IOperatorCommand
{
    /// <summary>AWS bills every public IPv4 address $0.005 per hour since 1 February 2024, idle or in use.</summary>
    public const decimal AwsHourlyCost = 0.005m;

    /// <summary>A rough pay-as-you-go EIP retention price; regions differ, so operators pass their own.</summary>
    public const decimal AlicloudHourlyCost = 0.004m;

    public string Name => "sweep";

    public Command Build(OperatorContext context)
    {
        var awsRegions = new Option<string[]>("--aws-region") { Description = "An AWS region to sweep (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var alicloudRegions = new Option<string[]>("--alicloud-region") { Description = "An Alibaba Cloud region to sweep (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var exports = new Option<string[]>("--stack-export", "-s")
        {
            Description = "A `pulumi stack export` file; its addresses are never touched, and addresses marked for its stack that it no longer tracks are leaked (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "file",
        };
        var release = new Option<string[]>("--release")
        {
            Description = "What to release: `leaked` (every leaked address that passes the filters), or an allocation id / public IP (repeatable). " +
                          "An address a given stack tracks is never released",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "leaked|id",
        };
        var olderThan = new Option<string?>("--older-than") { Description = "Only leaked addresses allocated longer ago than this, e.g. 30m, 6h, 2d", HelpName = "age" };
        var stackFilter = new Option<string?>("--stack") { Description = "Only leaked addresses marked for this stack (project/stack)", HelpName = "project/stack" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Run the release steps with DryRun (EC2) or a read-only preflight (Alibaba): report, change nothing" };
        var awsCost = new Option<decimal>("--aws-hourly-cost") { Description = "USD per hour of an AWS public IPv4 address", DefaultValueFactory = _ => AwsHourlyCost };
        var aliCost = new Option<decimal>("--alicloud-hourly-cost") { Description = "USD per hour of an idle Alibaba EIP in your regions", DefaultValueFactory = _ => AlicloudHourlyCost };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also show each step's status lines (retries, waits)" };
        var config = OperatorContext.ConfigOption();
        var output = OperatorContext.OutputOption();

        var command = new Command(Name,
            "List public IPs (AWS Elastic IPs, Alibaba EIPs) with association, ownership marks, age and idle cost; with stack exports, " +
            "show which marked addresses no stack tracks; release chosen ones as Delete does. Exit codes: 0 nothing needs you, " +
            "1 a call or release failed, 2 usage or configuration error, 3 leaked or pending-create addresses found and left in place.");
        foreach (var o in new Option[] { awsRegions, alicloudRegions, exports, release, olderThan, stackFilter, dryRun, awsCost, aliCost, config, output, verbose })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => RunAsync(context, new SweepOptions(
            parse.GetValue(awsRegions) ?? [], parse.GetValue(alicloudRegions) ?? [], parse.GetValue(exports) ?? [], parse.GetValue(release) ?? [],
            ParseAge(parse.GetValue(olderThan)), parse.GetValue(stackFilter), parse.GetValue(dryRun), parse.GetValue(awsCost), parse.GetValue(aliCost),
            parse.GetValue(config) ?? [], parse.GetValue(output) == "json", parse.GetValue(verbose)), ct));
        return command;
    }

    private sealed record SweepOptions(
        string[] AwsRegions, string[] AlicloudRegions, string[] Exports, string[] Release, TimeSpan? OlderThan, string? Stack, bool DryRun,
        decimal AwsCost, decimal AlicloudCost, string[] Config, bool Json, bool Verbose);

    private static async Task<int> RunAsync(OperatorContext context, SweepOptions o, CancellationToken ct)
    {
        var inventories = Inventories(context, o);
        var exports = StackExports.Load(o.Exports);
        var releaseLeaked = o.Release.Contains("leaked", StringComparer.Ordinal);
        var releaseIds = o.Release.Where(r => r != "leaked").ToHashSet(StringComparer.Ordinal);
        if (releaseLeaked && !exports.Any)
        {
            throw new OperatorUsageException("--release leaked needs at least one --stack-export: without the stacks' state nothing can be called leaked");
        }

        var listed = new List<(ICloudInventory Inventory, FoundAddress Address)>();
        foreach (var inventory in inventories)
        {
            try
            {
                var listing = context.Call($"sweep {inventory.Cloud} {inventory.Region}", inventory.ResourceType, context.Log($"{inventory.Cloud} {inventory.Region}", o.Verbose), ct)
                    with { Timeout = TimeSpan.FromMinutes(10) };
                listed.AddRange((await inventory.ListAsync(listing)).Select(a => (inventory, a)));
            }
            catch (ResourceException e)
            {
                await context.Stderr.WriteLineAsync($"error: {inventory.Cloud} {inventory.Region}: {e.Message}");
                return ExitCodes.Failed;
            }
        }

        var now = context.Time.GetUtcNow();
        var rows = listed.Select(l => Classify(l.Address, exports, now, l.Inventory, l.Address.Cloud == "aws" ? o.AwsCost : o.AlicloudCost)).ToList();
        var chosen = new List<int>();
        foreach (var id in releaseIds)
        {
            var index = rows.FindIndex(r => r.Id == id || r.PublicIp == id);
            if (index < 0)
            {
                throw new OperatorUsageException($"--release {id}: no address with this allocation id or public IP in the swept regions ({string.Join(", ", inventories.Select(i => $"{i.Cloud} {i.Region}"))})");
            }
            if (rows[index].Status == SweepStatus.Tracked)
            {
                throw new OperatorUsageException($"--release {id}: stack {rows[index].TrackedBy} still tracks {rows[index].PublicIp}; release it with `pulumi destroy` (or `pulumi state delete` first), never behind the stack's back");
            }
            chosen.Add(index);
        }
        if (releaseLeaked)
        {
            chosen.AddRange(rows.Select((r, i) => (r, i))
                .Where(x => x.r.Status == SweepStatus.Leaked
                            && (o.Stack is null || x.r.Stack == o.Stack)
                            && (o.OlderThan is null || (x.r.AllocatedAt is { } at && now - at >= o.OlderThan)))
                .Select(x => x.i));
        }
        chosen = chosen.Distinct().ToList();

        if (chosen.Count > 0)
        {
            await ReleaseAllAsync(context, o, listed, rows, chosen, ct);
        }

        var report = Report(inventories, exports, rows, o.DryRun);
        if (o.Json)
        {
            await context.Stdout.WriteLineAsync(JsonSerializer.Serialize(report, SweepJson.Default.SweepReport));
        }
        else
        {
            Render(context.Console, report);
        }
        var s = report.Summary;
        if (s.Failed > 0)
        {
            return ExitCodes.Failed;
        }
        var remaining = rows.Count(r => r.Status is SweepStatus.Leaked or SweepStatus.Pending && r.Action is not (SweepAction.Released or SweepAction.AlreadyGone));
        return remaining > 0 ? ExitCodes.Found : ExitCodes.Ok;
    }

    private static List<ICloudInventory> Inventories(OperatorContext context, SweepOptions o)
    {
        var inventories = new List<ICloudInventory>();
        var awsRegions = o.AwsRegions.ToList();
        var aliRegions = o.AlicloudRegions.ToList();
        if (awsRegions.Count == 0 && aliRegions.Count == 0)
        {
            // No region named: the configured ones, the way the plugin would find them.
            var config = context.ReadConfig(o.Config);
            if (config.Aws.Region is { Length: > 0 } aws)
            {
                awsRegions.Add(aws);
            }
            if (config.Alicloud.Region is { Length: > 0 } ali)
            {
                aliRegions.Add(ali);
            }
            if (awsRegions.Count == 0 && aliRegions.Count == 0)
            {
                throw new OperatorUsageException("name at least one region: --aws-region <region> and/or --alicloud-region <region> (or set AWS_REGION / ALIBABA_CLOUD_REGION_ID)");
            }
        }
        foreach (var region in awsRegions.Distinct(StringComparer.Ordinal))
        {
            inventories.Add(new AwsInventory(context.Clients(context.ReadConfig(o.Config, awsRegion: region)), region, context.Time));
        }
        foreach (var region in aliRegions.Distinct(StringComparer.Ordinal))
        {
            inventories.Add(new AlibabaInventory(context.Clients(context.ReadConfig(o.Config, alicloudRegion: region)), region));
        }
        return inventories;
    }

    private static SweepRow Classify(FoundAddress a, StackExports exports, DateTimeOffset now, ICloudInventory inventory, decimal hourlyCost)
    {
        var mark = a.Mark;
        var trackedBy = exports.TrackedBy(a.Id) ?? exports.TrackedBy(a.PublicIp);
        var pending = mark is null ? null : exports.PendingFor(mark);
        var status = trackedBy is not null ? SweepStatus.Tracked
            : pending is not null ? SweepStatus.Pending
            : mark is null ? SweepStatus.Foreign
            : mark.Stack is { Length: > 0 } st && exports.Stacks.Contains(st) ? SweepStatus.Leaked
            : SweepStatus.Unverified;
        var urn = pending?.Urn ?? mark?.Urn;
        string? adopt = null;
        if (status == SweepStatus.Pending)
        {
            adopt = $"pulumi refresh --stack {StackName(pending!.Stack)} --import-pending-creates '{pending.Urn}' --import-pending-creates {a.Id}";
        }
        else if (status == SweepStatus.Leaked && mark?.Name is { Length: > 0 } name)
        {
            adopt = $"pulumi import --stack {StackName(mark.Stack!)} {inventory.ResourceType} {name} {a.Id}";
        }
        return new SweepRow
        {
            Cloud = a.Cloud,
            Region = a.Region,
            Id = a.Id,
            PublicIp = a.PublicIp,
            AssociatedWith = a.AssociatedWith,
            Status = status,
            Stack = mark?.Stack,
            Name = mark?.Name,
            Urn = urn,
            TrackedBy = trackedBy,
            AllocatedAt = mark?.AllocatedAt,
            AgeHours = mark?.AllocatedAt is { } at ? Math.Round((now - at).TotalHours, 2) : null,
            IdleHourlyCostUsd = a.IsIdle ? hourlyCost : null,
            Tags = a.UserTags,
            AdoptCommand = adopt,
        };
    }

    private static string StackName(string projectSlashStack) => projectSlashStack[(projectSlashStack.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>Releases (or rehearses) the chosen addresses a few at a time, each through the release workflow.</summary>
    private static async Task ReleaseAllAsync(OperatorContext context, SweepOptions o, List<(ICloudInventory Inventory, FoundAddress Address)> listed,
        List<SweepRow> rows, List<int> chosen, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(4);
        async Task One(int index, Action<string>? progress)
        {
            await gate.WaitAsync(ct);
            try
            {
                rows[index] = await ReleaseOneAsync(context, o, listed[index].Inventory, listed[index].Address, rows[index], ct);
                progress?.Invoke($"{rows[index].Action} {rows[index].PublicIp}");
            }
            finally
            {
                gate.Release();
            }
        }
        var verb = o.DryRun ? "rehearsing the release of" : "releasing";
        if (!o.Json && context.Console.Profile.Capabilities.Interactive)
        {
            await context.Console.Progress().StartAsync(async p =>
            {
                var task = p.AddTask($"{verb} {chosen.Count} address(es)", maxValue: chosen.Count);
                await Task.WhenAll(chosen.Select(i => One(i, _ => task.Increment(1))));
            });
        }
        else
        {
            var done = 0;
            await context.Stderr.WriteLineAsync($"{verb} {chosen.Count} address(es)");
            await Task.WhenAll(chosen.Select(i => One(i, what =>
            {
                var n = Interlocked.Increment(ref done);
                context.Stderr.WriteLine($"[{n}/{chosen.Count}] {what}");
            })));
        }
    }

    private static async Task<SweepRow> ReleaseOneAsync(OperatorContext context, SweepOptions o, ICloudInventory inventory, FoundAddress address, SweepRow row, CancellationToken ct)
    {
        var subject = $"{address.PublicIp} ({address.Id}, {address.Cloud} {address.Region})";
        var log = context.Log(subject, o.Verbose);
        var call = context.Call(row.Urn ?? address.Id, inventory.ResourceType, log, ct) with { Timeout = TimeSpan.FromMinutes(10) };
        try
        {
            if (o.DryRun)
            {
                var rehearsal = await inventory.RehearseAsync(address, call);
                return row with { Action = rehearsal.Gone ? SweepAction.AlreadyGone : SweepAction.WouldRelease, Detail = rehearsal.Detail };
            }
            await inventory.ReleaseAsync(address, call);
            return row with { Action = SweepAction.Released, Detail = row.AssociatedWith is null ? "released" : $"disassociated from {row.AssociatedWith}, then released" };
        }
        catch (ResourceException e)
        {
            await log.ErrorAsync(e.Message);
            return row with { Action = SweepAction.Failed, Detail = e.Message };
        }
    }

    private static SweepReport Report(List<ICloudInventory> inventories, StackExports exports, List<SweepRow> rows, bool dryRun)
    {
        int Count(string status) => rows.Count(r => r.Status == status);
        var idle = rows.Where(r => r.IdleHourlyCostUsd is not null).ToList();
        var summary = new SweepSummary(rows.Count, Count(SweepStatus.Tracked), Count(SweepStatus.Pending), Count(SweepStatus.Leaked), Count(SweepStatus.Unverified),
            Count(SweepStatus.Foreign), idle.Count, idle.Sum(r => r.IdleHourlyCostUsd ?? 0),
            rows.Count(r => r.Action == SweepAction.WouldRelease), rows.Count(r => r.Action == SweepAction.Released), rows.Count(r => r.Action == SweepAction.Failed), dryRun);
        return new SweepReport([.. inventories.Select(i => $"{i.Cloud}/{i.Region}")], [.. exports.Stacks.Order(StringComparer.Ordinal)], rows, summary);
    }

    private static void Render(IAnsiConsole console, SweepReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("cloud/region", "public IP", "id", "associated with", "status", "stack / name", "age", "idle $/h", "action");
        foreach (var r in report.Addresses)
        {
            table.AddRow(
                Markup.Escape($"{r.Cloud}/{r.Region}"),
                Markup.Escape(r.PublicIp),
                Markup.Escape(r.Id),
                Markup.Escape(r.AssociatedWith ?? "-"),
                StatusMarkup(r),
                Markup.Escape(r.Stack is null ? "-" : $"{r.Stack} / {r.Name}"),
                r.AgeHours is { } h ? Age(h) : "-",
                r.IdleHourlyCostUsd is { } c ? c.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(r.Action));
        }
        console.Write(table);
        foreach (var r in report.Addresses.Where(r => r.Detail is not null))
        {
            console.MarkupLineInterpolated($"[grey]{r.PublicIp}:[/] {r.Detail}");
        }
        foreach (var r in report.Addresses.Where(r => r.AdoptCommand is not null && r.Action is not (SweepAction.Released or SweepAction.AlreadyGone)))
        {
            console.MarkupLineInterpolated($"[grey]to keep {r.PublicIp} ({r.Status}):[/] {r.AdoptCommand}");
        }
        var s = report.Summary;
        var summary = new Table().Border(TableBorder.Simple).AddColumns("addresses", "tracked", "pending-create", "leaked", "marked (stack not given)", "foreign", "idle", "idle $/h",
            s.DryRun ? "would release" : "released", "failed");
        summary.AddRow(
            s.Addresses.ToString(CultureInfo.InvariantCulture), s.Tracked.ToString(CultureInfo.InvariantCulture), s.PendingCreates.ToString(CultureInfo.InvariantCulture),
            s.Leaked.ToString(CultureInfo.InvariantCulture), s.Unverified.ToString(CultureInfo.InvariantCulture), s.Foreign.ToString(CultureInfo.InvariantCulture),
            s.Idle.ToString(CultureInfo.InvariantCulture), s.IdleHourlyCostUsd.ToString("0.000", CultureInfo.InvariantCulture),
            (s.DryRun ? s.WouldRelease : s.Released).ToString(CultureInfo.InvariantCulture), s.Failed.ToString(CultureInfo.InvariantCulture));
        console.Write(summary);
    }

    private static string StatusMarkup(SweepRow r) => r.Status switch
    {
        SweepStatus.Leaked => "[red]leaked[/]",
        SweepStatus.Pending => "[yellow]pending-create[/]",
        SweepStatus.Tracked => Markup.Escape($"tracked ({r.TrackedBy})"),
        _ => Markup.Escape(r.Status),
    };

    private static string Age(double hours) => hours switch
    {
        < 1 => $"{hours * 60:0}m",
        < 48 => $"{hours:0.#}h",
        _ => $"{hours / 24:0.#}d",
    };

    private static TimeSpan? ParseAge(string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length >= 2 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (value[^1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        throw new OperatorUsageException($"--older-than expects a number with m, h or d (e.g. 30m, 6h, 2d), not \"{value}\"");
    }
}
