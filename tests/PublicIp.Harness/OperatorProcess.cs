using System.Diagnostics;

namespace PublicIp.Harness;

/// <summary>What an operator command printed and how it exited.</summary>
public sealed record OperatorResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the published binary with an operator verb (`sweep ...`), as a person or a script would.</summary>
public static class OperatorProcess
{
    public static async Task<OperatorResult> RunAsync(
        IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        // Nothing from the developer's own cloud setup may leak into a test run; the test's environment comes last.
        var clean = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in new[] { "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION" })
        {
            clean[name] = null;
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            clean[k] = v;
        }
        var psi = PluginProcess.StartInfo(args, clean);
        foreach (var unset in clean.Where(kv => kv.Value is null))
        {
            psi.Environment.Remove(unset.Key);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the provider binary");
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{RepoPaths.BinaryName} {string.Join(' ', args)}` did not finish in time");
        }
        return new OperatorResult(process.ExitCode, await stdout, await stderr);
    }
}
