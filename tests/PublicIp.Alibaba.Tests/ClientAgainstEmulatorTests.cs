using System.Net;
using PublicIp.AlibabaEmulator;
using Xunit;

namespace PublicIp.Alibaba.Tests;

/// <summary>Our client's wire format, errors, retries and timeouts against the emulator's real checks.</summary>
public class ClientAgainstEmulatorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<AlibabaSignatureMode> Modes =>
        [AlibabaSignatureMode.Acs3HmacSha256, AlibabaSignatureMode.RpcV1Query, AlibabaSignatureMode.RpcV1Form];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Requests_pass_the_emulators_signature_check_in_every_mode(AlibabaSignatureMode mode)
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { PublicIpAddress = "47.1.2.3" });
        var eips = new VpcEipApi(h.Client(mode));

        await new EcsApi(h.Client(mode)).ReleasePublicIpAddressAsync(new("47.1.2.3", "i-1", "cn-beijing"), None);
        var allocated = await eips.AllocateEipAddressAsync(new("cn-beijing") { Name = "a name with spaces & *", Tags = new Dictionary<string, string> { ["team"] = "net/ops" } }, None);
        var described = Assert.Single(await eips.DescribeEipAddressesAsync(new("cn-beijing", allocated.AllocationId), None));

        Assert.Null(h.World.GetInstance("i-1")!.PublicIpAddress);
        Assert.Equal("a name with spaces & *", described.Name);
        Assert.Equal("net/ops", described.Tags["team"]);
        var expectedVersion = mode == AlibabaSignatureMode.Acs3HmacSha256 ? EmulatorSignatureVersion.Acs3HmacSha256 : EmulatorSignatureVersion.RpcV1;
        Assert.All(h.Emulator.Requests, r => Assert.Equal((expectedVersion, 200), (r.SignatureVersion!.Value, r.Status)));
        Assert.Equal("i-1", h.Emulator.Requests[0].Parameters["InstanceId"]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch_and_the_error_leaks_no_secret(AlibabaSignatureMode mode)
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(mode, new AlibabaCredentials("testid", "wrong-secret-123"));

        var e = await Assert.ThrowsAsync<AlibabaApiException>(() => new VpcEipApi(client).DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.BadRequest, 1), (e.Code, e.HttpStatus, e.Attempts));
        Assert.NotNull(e.RequestId);
        Assert.StartsWith("https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch", e.Recommend, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-123", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Signature=", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-123", client.ToString() ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlibabaSignatureMode.Acs3HmacSha256)]
    [InlineData(AlibabaSignatureMode.RpcV1Query)]
    public async Task Sts_credentials_are_accepted_only_with_the_right_token(AlibabaSignatureMode mode)
    {
        await using var h = await Harness.StartAsync();
        var ok = new VpcEipApi(h.Client(mode, new AlibabaCredentials("stsid", "stssecret", "sts-token")));
        var bad = new VpcEipApi(h.Client(mode, new AlibabaCredentials("stsid", "stssecret", "other-token")));

        Assert.Empty(await ok.DescribeEipAddressesAsync(new("cn-beijing", "eip-none"), None));
        var e = await Assert.ThrowsAsync<AlibabaApiException>(() => bad.DescribeEipAddressesAsync(new("cn-beijing", "eip-none"), None));
        Assert.Equal("InvalidSecurityToken.MismatchWithAccessKey", e.Code);
    }

    [Fact]
    public async Task Unknown_key_clock_skew_and_nonce_reuse_have_their_own_codes()
    {
        await using var h = await Harness.StartAsync();
        var describe = (AlibabaRpcClient c) => new VpcEipApi(c).DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None);

        var unknown = await Assert.ThrowsAsync<AlibabaApiException>(() => describe(h.Client(credentials: new("nobody", "x"))));
        var skewed = await Assert.ThrowsAsync<AlibabaApiException>(() => describe(h.Client(clock: new ManualClock(Harness.Start.AddMinutes(16)))));
        var fixedNonce = h.Client(nonces: new CountingNonceSource("same-nonce"));
        await describe(fixedNonce);
        var replay = await Assert.ThrowsAsync<AlibabaApiException>(() => describe(fixedNonce));
        await describe(h.Client(clock: new ManualClock(Harness.Start.AddMinutes(14))));

        Assert.Equal(("InvalidAccessKeyId.NotFound", HttpStatusCode.NotFound), (unknown.Code, unknown.HttpStatus));
        Assert.Equal("InvalidTimeStamp.Expired", skewed.Code);
        Assert.Equal("SignatureNonceUsed", replay.Code);
    }

    [Fact]
    public async Task Throttling_is_retried_after_the_servers_retry_after_hint()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.ThrottleNext("DescribeEipAddresses", 2, retryAfterMs: 120);

        Assert.Empty(await h.Vpc().DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        Assert.Equal([TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(120)], h.Retries.Select(r => r.Delay));
        Assert.Equal(["Throttling.User", "Throttling.User", null], h.Emulator.Requests.Select(r => r.ErrorCode));
        Assert.Equal(3, h.Emulator.Requests.Select(r => r.Nonce).Distinct().Count());
    }

    [Fact]
    public async Task Without_a_hint_the_backoff_grows_and_gives_up_after_MaxRetries()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.ServiceUnavailableNext("DescribeEipAddresses", 10);

        var e = await Assert.ThrowsAsync<AlibabaApiException>(() => h.Vpc().DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        Assert.Equal(("ServiceUnavailable", HttpStatusCode.ServiceUnavailable, 4), (e.Code, e.HttpStatus, e.Attempts));
        Assert.Equal(4, h.Emulator.Requests.Count);
        Assert.Equal(3, h.Retries.Count);
        Assert.All(h.Retries, r => Assert.InRange(r.Delay, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task The_client_token_stays_the_same_across_retries_of_one_call()
    {
        await using var h = await Harness.StartAsync();
        h.World.AddInstance(new EmulatorInstance("i-1") { InstanceNetworkType = "vpc", VpcId = "vpc-1" });
        var vpc = h.Vpc();
        var eip = await vpc.AllocateEipAddressAsync(new("cn-beijing"), None);
        h.Emulator.ServiceUnavailableNext("AssociateEipAddress", 1);
        h.Emulator.FailNext("AssociateEipAddress", "SystemBusy", 400);

        await vpc.AssociateEipAddressAsync(new(eip.AllocationId, "i-1", "cn-beijing"), None);

        var tokens = h.Emulator.Requests.Where(r => r.Action == "AssociateEipAddress").Select(r => r.Parameters["ClientToken"]).ToList();
        Assert.Equal(3, tokens.Count);
        Assert.Single(tokens.Distinct());
        Assert.Equal(EipStatus.Associating, h.World.GetEip(eip.AllocationId)!.Status);
    }

    [Fact]
    public async Task Non_retryable_errors_are_not_retried_and_keep_every_field()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.FailNext("DescribeInstances", "IncorrectInstanceStatus", 403, "The current status of the resource does not support this operation.");

        var e = await Assert.ThrowsAsync<AlibabaApiException>(() => h.Ecs().DescribeInstancesAsync(new("cn-beijing", ["i-1"]), None));

        Assert.Equal(("IncorrectInstanceStatus", HttpStatusCode.Forbidden, "DescribeInstances", 1), (e.Code, e.HttpStatus, e.Action, e.Attempts));
        Assert.Equal("The current status of the resource does not support this operation.", e.ErrorMessage);
        Assert.Equal("ecs.aliyuncs.com", e.HostId);
        Assert.Single(h.Emulator.Requests);
    }

    [Fact]
    public async Task A_slow_answer_becomes_a_timeout_transport_exception()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.DelayNext("DescribeEipAddresses", 1, TimeSpan.FromSeconds(5));
        var client = h.Client(maxRetries: 0, requestTimeout: TimeSpan.FromMilliseconds(200));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<AlibabaTransportException>(() => new VpcEipApi(client).DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        Assert.True(e.IsTimeout);
        Assert.Equal("DescribeEipAddresses", e.Action);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_timed_out_attempt_is_retried()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.DelayNext("DescribeEipAddresses", 1, TimeSpan.FromSeconds(5));
        var client = h.Client(maxRetries: 2, requestTimeout: TimeSpan.FromMilliseconds(300));

        Assert.Empty(await new VpcEipApi(client).DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        var retry = Assert.Single(h.Retries);
        Assert.IsType<AlibabaTransportException>(retry.Cause);
    }

    [Fact]
    public async Task The_callers_cancellation_wins_over_retries_and_is_not_a_transport_error()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.DelayNext("DescribeEipAddresses", 5, TimeSpan.FromSeconds(5));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(250));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Vpc().DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), cancel.Token));

        Assert.Empty(h.Retries);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_refused_connection_is_a_transport_error_that_is_retried()
    {
        var deadPort = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        deadPort.Start();
        var port = ((IPEndPoint)deadPort.LocalEndpoint).Port;
        deadPort.Stop();
        using var http = new HttpClient();
        var client = new AlibabaRpcClient(new AlibabaClientOptions
        {
            RegionId = "cn-beijing",
            Credentials = new("testid", "testsecret"),
            EndpointOverrides = new Dictionary<AlibabaProduct, Uri> { [AlibabaProduct.Vpc] = new($"http://127.0.0.1:{port}") },
            MaxRetries = 1,
            BaseDelay = TimeSpan.FromMilliseconds(1),
        }, http);

        var e = await Assert.ThrowsAsync<AlibabaTransportException>(() => new VpcEipApi(client).DescribeEipAddressesAsync(new("cn-beijing", "eip-x"), None));

        Assert.False(e.IsTimeout);
        Assert.Equal(2, e.Attempts);
    }
}
