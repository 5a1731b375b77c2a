using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using PublicIp.Harness;

namespace PublicIp.Tests.Packaging;

/// <summary>
/// `make dist`'s archives are what `pulumi plugin install resource publicip VERSION --file ARCHIVE` takes: named
/// pulumi-resource-publicip-v&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;.tar.gz, the executable alone at the root, listed in SHA256SUMS,
/// and the unpacked plugin reports the version in its name.
/// </summary>
public sealed partial class DistArchiveTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("publicip-dist-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task The_host_archive_has_the_plugin_at_its_root_and_a_matching_checksum()
    {
        // The host target packs the plugin make provider already published, so this costs no second AOT build.
        var run = await RunDistAsync("--out", _out, "--targets", "host");
        Assert.True(run.ExitCode == 0, run.Output);

        var archives = Directory.GetFiles(_out, "*.tar.gz").Select(Path.GetFileName).ToList();
        var name = Assert.Single(archives)!;
        var match = ArchiveName().Match(name);
        Assert.True(match.Success, $"'{name}' is not named as Pulumi expects");
        Assert.Equal(HostTarget(), match.Groups["target"].Value);
        Assert.Contains("built   " + name, run.Output, StringComparison.Ordinal);

        // SHA256SUMS in sha256sum's own format, so `sha256sum -c SHA256SUMS` checks it.
        var sums = (await File.ReadAllLinesAsync(Path.Combine(_out, "SHA256SUMS"))).Where(l => l.Length > 0).ToList();
        var sum = Assert.Single(sums);
        await using (var archive = File.OpenRead(Path.Combine(_out, name)))
        {
            Assert.Equal($"{Convert.ToHexStringLower(await SHA256.HashDataAsync(archive))}  {name}", sum);
        }

        // Exactly one entry, the executable, at the root: the plugin cache runs <dir>/pulumi-resource-publicip.
        var pluginDir = Path.Combine(_out, $"resource-publicip-v{match.Groups["version"].Value}");
        Directory.CreateDirectory(pluginDir);
        var entries = new List<TarEntry>();
        await using (var gz = new GZipStream(File.OpenRead(Path.Combine(_out, name)), CompressionMode.Decompress))
        {
            await using var tar = new TarReader(gz);
            while (await tar.GetNextEntryAsync(copyData: true) is { } entry)
            {
                entries.Add(entry);
                await entry.ExtractToFileAsync(Path.Combine(pluginDir, entry.Name), overwrite: false);
            }
        }
        var only = Assert.Single(entries);
        Assert.Equal(RepoPaths.BinaryName, only.Name);
        Assert.Equal(TarEntryType.RegularFile, only.EntryType is TarEntryType.V7RegularFile ? TarEntryType.RegularFile : only.EntryType);
        Assert.True(only.Mode.HasFlag(UnixFileMode.UserExecute) && only.Mode.HasFlag(UnixFileMode.OtherExecute), $"mode {only.Mode}");

        // The unpacked plugin runs and its version is the one in the archive's name.
        await using var engine = await FakeEngine.StartAsync();
        await using var plugin = await PluginProcess.StartAsync([engine.Address], binary: Path.Combine(pluginDir, RepoPaths.BinaryName));
        var info = await plugin.Client.GetPluginInfoAsync(new Empty());
        Assert.Equal(match.Groups["version"].Value, info.Version);
    }

    [Fact]
    public async Task A_target_this_machine_cannot_build_is_skipped_with_its_reason_not_faked()
    {
        // darwin from Linux (or linux from a Mac): Native AOT does not cross operating systems.
        var other = OperatingSystem.IsMacOS() ? "linux-amd64" : "darwin-arm64";
        var run = await RunDistAsync("--out", _out, "--targets", $"host {other}");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Matches($@"skipped {other}: Native AOT cannot cross-compile", run.Output);
        Assert.Empty(Directory.GetFiles(_out, $"*-{other}.tar.gz"));
        Assert.DoesNotContain(other, await File.ReadAllTextAsync(Path.Combine(_out, "SHA256SUMS")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^pulumi-resource-publicip-v(?<version>\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)-(?<target>(linux|darwin)-(amd64|arm64))\.tar\.gz$")]
    private static partial Regex ArchiveName();

    private static string HostTarget() =>
        (OperatingSystem.IsMacOS() ? "darwin" : "linux") + "-" + (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64");

    private static async Task<(int ExitCode, string Output)> RunDistAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "provider", "dist"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["PUBLISHED"] = Path.GetDirectoryName(RepoPaths.ProviderBinary);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
