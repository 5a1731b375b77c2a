using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PublicIp.AwsEmulation;

/// <summary>
/// One moto_server process on its own loopback port. Moto keeps all state in-process and serves
/// about one request at a time, so parallel test classes each get their own instance rather than
/// sharing one and calling reset.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private const int StderrTailLines = 40;
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(45);

    private readonly Process _process;
    private readonly OutputRing _output;
    private readonly HttpClient _http;
    private int _disposed;

    private MotoServer(Process process, OutputRing output, Uri endpoint)
    {
        _process = process;
        _output = output;
        Endpoint = endpoint;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        // A test host that dies without disposing us must not leave moto running.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>http://127.0.0.1:PORT — point SDK clients or the proxy here.</summary>
    public Uri Endpoint { get; }

    /// <summary>The last lines moto wrote to stdout/stderr, for failure messages.</summary>
    public string OutputTail => _output.Snapshot();

    /// <summary>The moto_server process id, so tests can check that dispose left nothing behind.</summary>
    public int ProcessId => _process.Id;

    public static Task<MotoServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(Environment.GetEnvironmentVariable("PATH") ?? string.Empty, cancellationToken);

    /// <summary>Searches <paramref name="searchPath"/> instead of PATH, so a test can show the missing-moto message without touching process-wide state.</summary>
    internal static async Task<MotoServer> StartAsync(string searchPath, CancellationToken cancellationToken)
    {
        var executable = FindOnPath("moto_server", searchPath) ?? throw new InvalidOperationException(
            "moto_server was not found on PATH. Install it with: pipx install 'moto[server]' (or pip install 'moto[server]' inside a virtual environment)");

        // The free port is only free until someone else takes it, so a lost race gets a new port.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreeLoopbackPort();
            var server = Launch(executable, port);
            try
            {
                await server.WaitUntilAnsweringAsync(cancellationToken);
                return server;
            }
            catch (MotoStartupException ex) when (ex.ProcessExited && attempt < 2)
            {
                last = ex;
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Wipes every region's state (POST /moto-api/reset).</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync(new Uri("/moto-api/reset", UriKind.Relative), content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        KillTree();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed already; the OS reaps it. Nothing more we can do without blocking dispose forever.
        }
        _process.Dispose();
        _http.Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e) => KillTree();

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private static MotoServer Launch(string executable, int port)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }
        var output = new OutputRing(StderrTailLines);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new MotoServer(process, output, new Uri($"http://127.0.0.1:{port}"));
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartupTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new MotoStartupException(
                    $"moto_server exited with code {_process.ExitCode} before answering on {Endpoint}. Output tail:\n{OutputTail}",
                    processExited: true);
            }
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(probe.Token, cancellationToken);
                // Any HTTP answer means Werkzeug is serving; /moto-api/data.json is cheap and stateless.
                using var response = await _http.GetAsync(new Uri("/moto-api/data.json", UriKind.Relative), linked.Token);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new MotoStartupException(
            $"moto_server did not answer on {Endpoint} within {StartupTimeout.TotalSeconds:0}s. Output tail:\n{OutputTail}",
            processExited: false);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name, string searchPath) =>
        searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Bounded, thread-safe ring of output lines (stdout and stderr arrive on pool threads).</summary>
    private sealed class OutputRing(int capacity)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public string Snapshot()
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}

/// <summary>moto_server did not come up; the message carries its output tail.</summary>
public sealed class MotoStartupException : Exception
{
    public MotoStartupException(string message, bool processExited) : base(message) => ProcessExited = processExited;

    public MotoStartupException() { }

    public MotoStartupException(string message) : base(message) { }

    public MotoStartupException(string message, Exception innerException) : base(message, innerException) { }

    public bool ProcessExited { get; }
}
