using System.CommandLine;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using Spectre.Console;

namespace PublicIp.Provider.Operator;

/// <summary>
/// What every operator command shares with the plugin: configuration read by the same rules (the provider's own
/// keys, the same environment fallbacks), the same cloud client factories, and a log that renders the release
/// workflow's diagnostics for a terminal. Commands get their clouds only through here, so they behave as Delete does.
/// </summary>
public sealed class OperatorContext(
    Func<string, string?> env,
    IAnsiConsole console,
    TextWriter stdout,
    TextWriter stderr,
    ProviderSecrets secrets,
    IEc2ClientFactory? ec2Factory = null,
    IAlibabaClientFactory? alibabaFactory = null,
    TimeProvider? time = null)
{
    private readonly IEc2ClientFactory _ec2Factory = ec2Factory ?? new Ec2ClientFactory(secrets);
    private readonly IAlibabaClientFactory _alibabaFactory = alibabaFactory ?? new AlibabaClientFactory(env, secrets: secrets);

    /// <summary>
    /// The context of a command run from a shell: everything it prints is redacted with the credentials it was given
    /// and those its clients obtain while it runs, as the plugin's messages to the engine are.
    /// </summary>
    public static OperatorContext ForConsole(Func<string, string?> env)
    {
        var secrets = new ProviderSecrets();
        secrets.Add(ProviderConfig.CredentialVariables.Select(env));
        var stdout = new RedactingWriter(System.Console.Out, secrets);
        var stderr = new RedactingWriter(System.Console.Error, secrets);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new RedactingConsoleOutput(stdout) });
        if (System.Console.IsOutputRedirected)
        {
            // Piped into a file or a script: no terminal width to fit, so never wrap a table row.
            console.Profile.Width = 240;
        }
        return new OperatorContext(env, console, stdout, stderr, secrets);
    }

    /// <summary>Before the process exits: what the redacting writers still hold reaches the terminal.</summary>
    public void Flush()
    {
        stdout.Flush();
        stderr.Flush();
    }

    public Func<string, string?> Env => env;

    /// <summary>Rich output (tables, progress) for people.</summary>
    public IAnsiConsole Console => console;

    /// <summary>Plain output (JSON for scripts).</summary>
    public TextWriter Stdout => stdout;

    /// <summary>Diagnostics and progress notes; never mixed into JSON on stdout.</summary>
    public TextWriter Stderr => stderr;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    /// <summary>`--config key=value`, repeatable: the provider's configuration keys, validated exactly as `pulumi config set publicip:key` is.</summary>
    public static Option<string[]> ConfigOption() => new("--config", "-c")
    {
        Description = "A publicip provider configuration key, e.g. awsEndpoint=https://ec2.internal or alicloudSignatureVersion=v1 " +
                      "(the keys of `pulumi config set publicip:<key>`; unset keys fall back to the same environment variables)",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
        HelpName = "key=value",
    };

    /// <summary>`--output table|json`.</summary>
    public static Option<string> OutputOption() => new Option<string>("--output", "-o")
    {
        Description = "table (for people) or json (for scripts, on stdout; diagnostics stay on stderr)",
        DefaultValueFactory = _ => "table",
    }.AcceptOnlyFromAmong("table", "json");

    /// <summary>The provider configuration for one cloud region, from `--config` pairs and the environment.</summary>
    public ProviderConfig ReadConfig(IEnumerable<string>? settings, string? awsRegion = null, string? alicloudRegion = null)
    {
        var map = PropertyMap.Empty;
        foreach (var setting in settings ?? [])
        {
            var eq = setting.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new OperatorUsageException($"--config expects key=value (a publicip configuration key), not \"{setting}\"");
            }
            map = map.Set(setting[..eq], PropertyValue.Of(setting[(eq + 1)..]));
        }
        if (awsRegion is not null)
        {
            map = map.Set("awsRegion", PropertyValue.Of(awsRegion));
        }
        if (alicloudRegion is not null)
        {
            map = map.Set("alicloudRegion", PropertyValue.Of(alicloudRegion));
        }
        var (config, failures) = ProviderConfig.Read(map, env);
        secrets.Add(config.Credentials(env));
        if (failures.Count > 0)
        {
            throw new OperatorUsageException(string.Join("; ", failures.Select(f => f.Reason)));
        }
        return config;
    }

    /// <summary>The plugin's own clients, configured as Configure would configure them.</summary>
    public CloudClients Clients(ProviderConfig config)
    {
        var clients = new CloudClients(_ec2Factory, _alibabaFactory);
        clients.Configure(config);
        return clients;
    }

    /// <summary>
    /// A detached resource call for the release workflow and the cloud steps: the same shape the engine's Delete
    /// gets, with the operator's log and cancellation.
    /// </summary>
    public ResourceCall Call(string urn, string type, IResourceLog log, CancellationToken ct) =>
        ResourceCall.Detached(urn, type, log, ct);

    /// <summary>A log that writes each diagnostic as a line on stderr, prefixed with what it is about.</summary>
    public IResourceLog Log(string subject, bool verbose = false) => new OperatorLog(stderr, subject, verbose);
}

/// <summary>The engine's log severities, rendered for a terminal; status lines only with --verbose.</summary>
internal sealed class OperatorLog(TextWriter writer, string subject, bool verbose) : IResourceLog
{
    private readonly Lock _gate = new();

    public Task DebugAsync(string message) => verbose ? Write("debug", message) : Task.CompletedTask;

    public Task InfoAsync(string message) => Write("info", message);

    public Task WarningAsync(string message) => Write("warning", message);

    public Task ErrorAsync(string message) => Write("error", message);

    public Task StatusAsync(string message) => verbose ? Write("status", message) : Task.CompletedTask;

    private Task Write(string severity, string message)
    {
        lock (_gate)
        {
            writer.WriteLine($"{severity}: {subject}: {message}");
        }
        return Task.CompletedTask;
    }
}
