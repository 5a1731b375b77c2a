using System.Diagnostics;
using System.Text;
using PublicIp.Harness;

namespace PublicIp.Tests.Conformance;

/// <summary>What a Node script printed and how it ended.</summary>
public sealed record NodeRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last non-empty stdout line: the scripts' one-line JSON summary.</summary>
    public string Summary => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the Node scripts in tests/conformance: finds node and npm on PATH (a clear failure if they are
/// missing, never a skip) and installs the pinned packages with `npm ci` once if node_modules is absent.
/// </summary>
public static class NodeTools
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    public static string ConformanceDir => Path.Combine(RepoPaths.Root, "tests", "conformance");

    public static string FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"`{name}` is not on PATH: the conformance and schema tests run Pulumi's own Node packages and need Node.js (>= 18) and npm. " +
            "Install them (e.g. apt-get install nodejs npm) and run `make tools`.");
    }

    /// <summary>`npm ci` in tests/conformance unless its node_modules already holds the pinned packages.</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed)
            {
                return;
            }
            var marker = Path.Combine(ConformanceDir, "node_modules", "@pulumi", "pulumi", "package.json");
            var ajv = Path.Combine(ConformanceDir, "node_modules", "ajv", "package.json");
            if (!File.Exists(marker) || !File.Exists(ajv))
            {
                var npm = FindOnPath("npm");
                var run = await RunAsync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(4));
                if (run.ExitCode != 0)
                {
                    throw new InvalidOperationException($"`npm ci` in {ConformanceDir} failed:\n{run}");
                }
            }
            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>`node &lt;script&gt; args...` in tests/conformance, after making sure the packages are installed.</summary>
    public static async Task<NodeRun> RunScriptAsync(string script, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var node = FindOnPath("node");
        await EnsureInstalledAsync();
        return await RunAsync(node, [Path.Combine(ConformanceDir, script), .. args], timeout);
    }

    private static async Task<NodeRun> RunAsync(string file, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ConformanceDir,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s; stderr so far:\n{stderr}");
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (stdout)
        {
            lock (stderr)
            {
                return new NodeRun(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }
}
