using System.CommandLine;
using PublicIp.Provider.Operator.Sweep;
using Spectre.Console;

namespace PublicIp.Provider.Operator;

/// <summary>
/// The operator commands shipped in the plugin's binary. The engine starts the plugin with flags and an
/// address, never with a word, so a first argument that names a verb cannot be a launch by the engine.
/// </summary>
public static class OperatorCli
{
    /// <summary>Every verb; a new command is one file plus its line here.</summary>
    private static readonly IOperatorCommand[] Commands =
    [
        new SweepCommand(),
        new Recover.RecoverCommand(),
    ];

    private static readonly HashSet<string> HelpWords = new(StringComparer.Ordinal) { "help", "--help", "-h", "-?" };

    public static bool IsOperatorInvocation(IReadOnlyList<string> args) =>
        args.Count > 0 && (HelpWords.Contains(args[0]) || Commands.Any(c => c.Name == args[0]));

    public static async Task<int> RunAsync(string[] args, Func<string, string?> env, CancellationToken ct = default)
    {
        var context = OperatorContext.ForConsole(env);
        try
        {
            return await RunAsync(args, context, ct);
        }
        finally
        {
            context.Flush();
        }
    }

    public static async Task<int> RunAsync(string[] args, OperatorContext context, CancellationToken ct = default)
    {
        var root = new RootCommand(
            "publicip operator commands. Started by the Pulumi engine (with an engine address), this binary is the publicip resource plugin; " +
            "with a verb it runs that command against the same clouds, with the same configuration keys, release workflow and diagnostics.");
        foreach (var command in Commands)
        {
            root.Subcommands.Add(command.Build(context));
        }
        if (args is ["help", .. var rest])
        {
            args = [.. rest, "--help"];
        }
        var parsed = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = context.Stdout,
            Error = context.Stderr,
            // Our own handler below: a usage error is a sentence and exit 2, never a stack trace.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            var code = await parsed.InvokeAsync(invocation, ct);
            return parsed.Errors.Count > 0 ? ExitCodes.Usage : code;
        }
        catch (OperatorUsageException e)
        {
            context.Stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (PublicIp.Protocol.Resources.ResourceException e)
        {
            // A diagnostic from the same catalogue the engine would show: what happened and what to do.
            context.Stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary>One verb: builds its System.CommandLine command around the shared context.</summary>
public interface IOperatorCommand
{
    string Name { get; }

    Command Build(OperatorContext context);
}

/// <summary>What the exit status of an operator command means; scripts branch on these.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done, and nothing needs a person.</summary>
    public const int Ok = 0;

    /// <summary>A call failed (a cloud error, a release refused); the output says which and what to do.</summary>
    public const int Failed = 1;

    /// <summary>The command line or configuration is wrong; nothing was called.</summary>
    public const int Usage = 2;

    /// <summary>The command found addresses that need a person (leaked, or pending a create) and changed nothing.</summary>
    public const int Found = 3;
}

/// <summary>A bad option or configuration value, reported as a usage error before any cloud call.</summary>
public sealed class OperatorUsageException(string message) : Exception(message);
