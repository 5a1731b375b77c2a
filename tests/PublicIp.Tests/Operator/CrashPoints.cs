using System.Diagnostics;
using PublicIp.Harness;

namespace PublicIp.Tests;

/// <summary>What the crash tests do to the plugin at a kill point.</summary>
public static class CrashPoints
{
    /// <summary>SIGKILL: no handler, no cleanup, exactly what a killed CI runner does.</summary>
    public static void SigKill(LifecycleHarness h)
    {
        using var process = Process.GetProcessById(h.Plugin.ProcessId);
        process.Kill();
        process.WaitForExit(10_000);
    }
}
