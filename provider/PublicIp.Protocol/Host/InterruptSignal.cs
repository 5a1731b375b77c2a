using System.Runtime.InteropServices;

namespace PublicIp.Protocol.Host;

/// <summary>
/// A process that a non-interactive shell starts in the background (<c>make test &amp;</c>, some CI runners)
/// inherits SIGINT as ignored, and .NET then leaves it ignored: the engine's Cancel + SIGINT would never end
/// the plugin. The engine's SIGINT is our contract, so the plugin takes SIGINT back to its default before the
/// runtime installs its handlers, whatever the parent left behind.
/// </summary>
internal static partial class InterruptSignal
{
    private const int SigInt = 2;
    private const nint SigDfl = 0;

    public static void RestoreDefault()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            _ = Signal(SigInt, SigDfl);
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);
}
