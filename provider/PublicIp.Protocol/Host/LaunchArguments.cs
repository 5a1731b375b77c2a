namespace PublicIp.Protocol.Host;

/// <summary>
/// The engine starts a plugin as <c>bin [--logtostderr] [-v=N] [--tracing X] ENGINE_ADDRESS</c>;
/// with no address the plugin waits to be attached (PULUMI_DEBUG_PROVIDERS).
/// </summary>
public sealed record LaunchArguments(string? EngineAddress, int Verbosity, string? Tracing)
{
    public static LaunchArguments Parse(IReadOnlyList<string> args)
    {
        string? address = null;
        string? tracing = null;
        var verbosity = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--logtostderr" or "-logtostderr" or "--logflow" or "-logflow")
            {
                continue;
            }
            if (a.StartsWith("-v=", StringComparison.Ordinal) || a.StartsWith("--v=", StringComparison.Ordinal))
            {
                _ = int.TryParse(a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..], out verbosity);
                continue;
            }
            if (a is "--tracing" or "-tracing")
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException("--tracing needs an endpoint");
                }
                tracing = args[++i];
                continue;
            }
            if (a.StartsWith("--tracing=", StringComparison.Ordinal))
            {
                tracing = a["--tracing=".Length..];
                continue;
            }
            if (a.StartsWith('-'))
            {
                throw new ArgumentException($"unknown flag {Values.Text.Quote(a)}");
            }
            if (address is not null)
            {
                throw new ArgumentException($"expected one engine address, got {Values.Text.Quote(address)} and {Values.Text.Quote(a)}");
            }
            if (!Host.EngineAddress.TryParse(a, out _, out var problem))
            {
                throw new ArgumentException("the engine address " + problem);
            }
            address = a;
        }
        return new LaunchArguments(address, verbosity, tracing);
    }
}
