using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Grpc.Net.Client;
using Pulumirpc;

namespace PublicIp.Harness;

/// <summary>
/// The plugin as the engine runs it: exec'd with the engine address as its last argument, the port read
/// from its first stdout line, stderr captured, and stopped the engine's way (Cancel, then SIGINT).
/// </summary>
public sealed partial class PluginProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly StringBuilder _stdout = new();
    private readonly GrpcChannel _channel;

    private PluginProcess(Process process, StringBuilder stderr, int port, TimeSpan startToPort)
    {
        _process = process;
        _stderr = stderr;
        Port = port;
        StartToPort = startToPort;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = 400 * 1024 * 1024 });
        Client = new ResourceProvider.ResourceProviderClient(_channel);
    }

    public int Port { get; }
    public TimeSpan StartToPort { get; }
    public ResourceProvider.ResourceProviderClient Client { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the plugin wrote to stdout after its port line (the engine shows it; nothing secret may be there).</summary>
    public string Stdout
    {
        get { lock (_stdout) { return _stdout.ToString(); } }
    }

    public string Stderr
    {
        get { lock (_stderr) { return _stderr.ToString(); } }
    }

    /// <summary>The binary with every stream redirected, in a neutral working directory: how the engine and an operator's script run it.</summary>
    internal static ProcessStartInfo StartInfo(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment, string? binary = null)
    {
        var psi = new ProcessStartInfo(binary ?? RepoPaths.ProviderBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[k] = v;
        }
        return psi;
    }

    public static async Task<PluginProcess> StartAsync(
        IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? binary = null, CancellationToken ct = default)
    {
        var psi = StartInfo(args, environment, binary);
        var started = Stopwatch.StartNew();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the plugin");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr) { stderr.AppendLine(e.Data); }
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the plugin printed no port within 30 s; stderr: " + stderr);
        }
        var elapsed = started.Elapsed;
        if (line is null || !int.TryParse(line.Trim(), out var port) || port is < 1 or > 65535)
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
            throw new InvalidOperationException($"the plugin's first stdout line was not a port: '{line}'; stderr: {stderr}");
        }
        // The same buffer the reader has filled since start: nothing said before the port line is lost.
        var plugin = new PluginProcess(process, stderr, port, elapsed);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } more)
            {
                lock (plugin._stdout) { plugin._stdout.AppendLine(more); }
            }
        }, CancellationToken.None);
        return plugin;
    }

    public const int SigInt = 2;
    public const int SigTerm = 15;

    /// <summary>SIGINT, as the engine's host sends after Cancel.</summary>
    public void Interrupt() => Signal(SigInt);

    /// <summary>SIGTERM, as a CI runner or a container stop sends.</summary>
    public void Terminate() => Signal(SigTerm);

    private void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, signal);
        }
    }

    /// <summary>kill(2) on any process id; false if it is already gone.</summary>
    public static bool SendSignal(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>The engine's shutdown: Cancel (5 s), SIGINT, then a forced kill after 5 s. Returns how long the exit took.</summary>
    public async Task<TimeSpan> ShutdownAsync()
    {
        var watch = Stopwatch.StartNew();
        if (!_process.HasExited)
        {
            try
            {
                await Client.CancelAsync(new Google.Protobuf.WellKnownTypes.Empty(), deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (Grpc.Core.RpcException)
            {
                // A plugin that cannot answer Cancel still gets its SIGINT.
            }
            Interrupt();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await ShutdownAsync();
        }
        _channel.Dispose();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
