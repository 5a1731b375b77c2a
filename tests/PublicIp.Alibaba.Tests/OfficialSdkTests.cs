using System.Diagnostics;
using PublicIp.AlibabaEmulator;
using Xunit;

namespace PublicIp.Alibaba.Tests;

/// <summary>The official Node SDKs (tests/alibaba-sdk) against the emulator: proves the emulator checks what Alibaba's SDKs really send.</summary>
public class OfficialSdkTests
{
    [Theory]
    [InlineData("v3")]
    [InlineData("v1")]
    public async Task The_official_sdk_is_accepted_with_the_right_secret_and_rejected_with_a_wrong_one(string mode)
    {
        var folder = SdkFolder();
        await EnsureNodeModulesAsync(folder);
        await using var emulator = await AlibabaEmulator.AlibabaEmulator.StartAsync(new AlibabaEmulatorOptions());
        emulator.World.AddInstance(new EmulatorInstance("i-sdk") { PublicIpAddress = "47.1.2.3" });

        var (okCode, okOutput) = await RunAsync("node", folder, "probe.js", emulator.HostAndPort, "testid", "testsecret", mode, "ok");
        Assert.True(okCode == 0, $"SDK run with the right secret failed: {okOutput}");
        Assert.Null(emulator.World.GetInstance("i-sdk")!.PublicIpAddress);
        var expectedVersion = mode == "v3" ? EmulatorSignatureVersion.Acs3HmacSha256 : EmulatorSignatureVersion.RpcV1;
        Assert.All(emulator.Requests, r => Assert.Equal(expectedVersion, r.SignatureVersion));

        var (badCode, badOutput) = await RunAsync("node", folder, "probe.js", emulator.HostAndPort, "testid", "not-the-secret", mode, "SignatureDoesNotMatch");
        Assert.True(badCode == 0, $"SDK run with a wrong secret was not rejected with SignatureDoesNotMatch everywhere: {badOutput}");
    }

    private static string SdkFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "alibaba-sdk");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("tests/alibaba-sdk/package.json not found above " + AppContext.BaseDirectory);
    }

    private static async Task EnsureNodeModulesAsync(string folder)
    {
        if (Directory.Exists(Path.Combine(folder, "node_modules", "@alicloud", "ecs20140526")))
        {
            return;
        }
        var (code, output) = await RunAsync("npm", folder, "ci", "--no-audit", "--no-fund");
        Assert.True(code == 0, "npm ci failed in tests/alibaba-sdk: " + output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Deliberately a failure, not a skip: without Node this proof of the wire format has not run.
            throw new InvalidOperationException($"'{program}' is not installed or not on PATH; the official-SDK test needs Node.js and npm.", e);
        }
        using (process)
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
