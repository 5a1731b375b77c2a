using PublicIp.Harness;

namespace PublicIp.Tests.Operator;

/// <summary>The operator verbs through the published binary; the plugin's launch contract is PluginHostTests'.</summary>
public sealed class OperatorCliTests
{
    [Fact]
    public async Task Sweep_help_names_its_options_and_exits_0()
    {
        var result = await OperatorProcess.RunAsync(["sweep", "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var option in new[] { "--aws-region", "--alicloud-region", "--stack-export", "--release", "--dry-run", "--output", "--config" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_help_lists_the_verbs()
    {
        var result = await OperatorProcess.RunAsync(["--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sweep", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_exit_2()
    {
        var result = await OperatorProcess.RunAsync(["sweep", "--no-such-option"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--no-such-option", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_configuration_key_is_named_before_any_cloud_call()
    {
        var result = await OperatorProcess.RunAsync(["sweep", "--aws-region", "us-east-1", "--config", "awsEndpoint=not a url"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("awsEndpoint", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_without_a_region_says_how_to_name_one()
    {
        var result = await OperatorProcess.RunAsync(["sweep"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--aws-region", result.Stderr, StringComparison.Ordinal);
    }
}
