using System.Diagnostics;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation.Tests;

public sealed class MotoServerTests
{
    [Fact]
    public async Task Two_servers_run_side_by_side_with_separate_state_and_dispose_kills_them()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var first = await MotoServer.StartAsync(ct);
        var second = await MotoServer.StartAsync(ct);
        int[] pids = [first.ProcessId, second.ProcessId];
        try
        {
            Assert.NotEqual(first.Endpoint, second.Endpoint);
            using var one = Ec2TestClient.Create(first.Endpoint);
            using var two = Ec2TestClient.Create(second.Endpoint);
            await one.AllocateAddressAsync(new AllocateAddressRequest(), ct);

            Assert.Single((await one.DescribeAddressesAsync(new DescribeAddressesRequest(), ct)).Addresses);
            Assert.Empty((await two.DescribeAddressesAsync(new DescribeAddressesRequest(), ct)).Addresses ?? []);

            await first.ResetAsync(ct);
            Assert.Empty((await one.DescribeAddressesAsync(new DescribeAddressesRequest(), ct)).Addresses ?? []);
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"moto_server pid {pid} survived dispose"));
    }

    [Fact]
    public async Task Missing_moto_server_says_how_to_install_it()
    {
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => MotoServer.StartAsync(searchPath: Path.GetTempPath(), CancellationToken.None));

        Assert.Contains("pip install 'moto[server]'", missing.Message, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
