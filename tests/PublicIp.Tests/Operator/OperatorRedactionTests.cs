using PublicIp.AwsEmulation;
using PublicIp.Harness;
using PublicIp.Tests.Aws;

namespace PublicIp.Tests.Operator;

/// <summary>
/// The operator commands keep the plugin's rule: no credential reaches the terminal. The published binary's `sweep`
/// and `recover` meet EC2 answers that quote the key and session token that signed the request (the proxy's echo
/// fault, worded so that only the list of secrets can hide it), once with canary keys given as --config, once with
/// a web-identity session the command obtains from STS while it runs.
/// </summary>
public sealed class OperatorRedactionTests(AwsFixture aws) : IClassFixture<AwsFixture>
{
    private static string Canary(string what) => $"canary{what}{Guid.NewGuid():N}";

    private static void AssertRedacted(OperatorResult result, IEnumerable<string> canaries)
    {
        var printed = result.Stdout + result.Stderr;
        Assert.Contains("[secret]", printed, StringComparison.Ordinal); // the echo was printed, redacted
        foreach (var canary in canaries)
        {
            Assert.DoesNotContain(canary, printed, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(canary), printed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Configured_credentials_echoed_by_ec2_are_redacted_in_sweep_and_recover()
    {
        aws.Reset();
        var key = "AKIA" + Canary("key")[..16].ToUpperInvariant();
        var secret = Canary("secret");
        var token = Canary("token");
        string[] config =
        [
            "--config", $"awsEndpoint={aws.Proxy.Endpoint}", "--config", $"awsAccessKey={key}", "--config", $"awsSecretKey={secret}",
            "--config", $"awsSessionToken={token}", "--config", "awsMaxRetries=0",
        ];
        try
        {
            var listing = aws.Proxy.Inject(Fault.EchoingRequest("DescribeAddresses").Always());
            var sweep = await OperatorProcess.RunAsync(["sweep", "--aws-region", "us-east-1", .. config]);
            Assert.True(listing.Fired >= 1, sweep.ToString());
            Assert.True(sweep.ExitCode == 1, sweep.ToString());
            AssertRedacted(sweep, [key, secret, token]);

            aws.Reset(); // recover's lookup must get through, so that its AllocateAddress meets the echo
            var allocate = aws.Proxy.Inject(Fault.EchoingRequest("AllocateAddress").Always());
            var recover = await OperatorProcess.RunAsync(["recover", "203.0.113.77", "--region", "us-east-1", .. config]);
            Assert.True(allocate.Fired >= 1, recover.ToString());
            Assert.NotEqual(0, recover.ExitCode);
            AssertRedacted(recover, [key, secret, token]);
        }
        finally
        {
            aws.Reset();
        }
    }

    [Fact]
    public async Task A_session_obtained_while_sweeping_is_redacted_too()
    {
        aws.Reset();
        var tokenFile = Path.Combine(Path.GetTempPath(), $"publicip-web-identity-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl");
        try
        {
            aws.Proxy.Inject(Fault.EchoingRequest("DescribeAddresses").Always());
            var sweep = await OperatorProcess.RunAsync(
                ["sweep", "--aws-region", "us-east-1", "--config", $"awsEndpoint={aws.Proxy.Endpoint}", "--config", "awsMaxRetries=0"],
                new Dictionary<string, string?>
                {
                    ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_SESSION_TOKEN"] = null,
                    ["AWS_CONFIG_FILE"] = "/dev/null", ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
                    ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile, ["AWS_ROLE_ARN"] = "arn:aws:iam::222222222222:role/sweeper",
                    ["AWS_ROLE_SESSION_NAME"] = "operator", ["AWS_ENDPOINT_URL_STS"] = aws.Proxy.Endpoint.ToString(),
                });

            var sessions = aws.Proxy.Sessions.IssuedSessions.Where(s => s.Action == "AssumeRoleWithWebIdentity").ToList();
            Assert.True(sessions.Count > 0, sweep.ToString());
            Assert.True(sweep.ExitCode == 1, sweep.ToString());
            AssertRedacted(sweep, sessions.SelectMany(s => new[] { s.AccessKeyId, s.SecretAccessKey, s.SessionToken }));
        }
        finally
        {
            File.Delete(tokenFile);
            aws.Reset();
        }
    }
}
