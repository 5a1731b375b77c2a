using System.Diagnostics;
using System.Net;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation.Tests;

/// <summary>Scripted faults, the account-ownership helpers, the journal and the error wire format.</summary>
public sealed class FaultInjectionTests(MotoProxyFixture env) : ProxyTestBase(env), IClassFixture<MotoProxyFixture>
{
    public static TheoryData<string, HttpStatusCode, string> Errors => new()
    {
        { "AuthFailure", HttpStatusCode.Unauthorized, "AWS was not able to validate the provided access credentials" },
        { "UnauthorizedOperation", HttpStatusCode.Forbidden, "You are not authorized to perform this operation." },
        { "RequestLimitExceeded", HttpStatusCode.ServiceUnavailable, "Request limit exceeded." },
        { "InternalError", HttpStatusCode.InternalServerError, "An internal error has occurred" },
        { "Unavailable", HttpStatusCode.ServiceUnavailable, "The server is overloaded" },
        { "InvalidAllocationID.NotFound", HttpStatusCode.BadRequest, "eipalloc-0000" },
        { "InvalidAssociationID.NotFound", HttpStatusCode.BadRequest, "eipassoc-0000" },
        { "InvalidNetworkInterfaceID.NotFound", HttpStatusCode.BadRequest, "eni-0000" },
        { "InvalidAddress.PtrSet", HttpStatusCode.BadRequest, "PTR record" },
        { "InvalidAddress.Locked", HttpStatusCode.BadRequest, "locked" },
        { "AddressLimitExceeded", HttpStatusCode.BadRequest, "maximum number of addresses" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task AWSSDK_parses_code_status_and_message_of_every_factory_error(string code, HttpStatusCode status, string messagePart)
    {
        Proxy.Inject(Fault.Error("DescribeAddresses", ErrorFor(code)));

        var thrown = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), Ct));

        Assert.Equal(code, thrown.ErrorCode);
        Assert.Equal(status, thrown.StatusCode);
        Assert.Contains(messagePart, thrown.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(thrown.RequestId));
    }

    [Fact]
    public async Task Error_body_is_byte_for_byte_the_EC2_shape()
    {
        Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.InvalidAllocationIdNotFound("eipalloc-0123")));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var response = await http.PostAsync(
            new Uri(Proxy.Endpoint, "/?Version=2016-11-15"),
            new FormUrlEncodedContent([new("Action", "ReleaseAddress"), new("AllocationId", "eipalloc-0123")]), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidAllocationID.NotFound</Code>" +
            $"<Message>The allocation ID 'eipalloc-0123' does not exist</Message></Error></Errors><RequestID>{requestId}</RequestID></Response>",
            body);
        Assert.True(Guid.TryParse(requestId, out _));
        var entry = Assert.Single(Proxy.Journal.Entries);
        Assert.Equal("2016-11-15", entry.Get("Version"));
    }

    [Fact]
    public async Task Fault_fires_the_given_number_of_times_then_calls_reach_moto()
    {
        var throttle = Proxy.Inject(Fault.Error("AllocateAddress", Ec2Error.RequestLimitExceeded()).FiresTimes(2));

        for (var i = 0; i < 2; i++)
        {
            var thrown = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct));
            Assert.Equal("RequestLimitExceeded", thrown.ErrorCode);
        }
        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct);

        Assert.NotNull(await DescribeInMotoAsync(allocated.AllocationId));
        Assert.Equal(2, throttle.Fired);
        Assert.True(throttle.Exhausted);
        Assert.Equal([Ec2Outcome.Fault, Ec2Outcome.Fault, Ec2Outcome.Forwarded], Proxy.Journal.Entries.Select(e => e.Outcome));
    }

    [Fact]
    public async Task Concurrent_calls_see_exactly_the_scripted_number_of_failures()
    {
        Proxy.Inject(Fault.Error("DescribeAddresses", Ec2Error.Unavailable()).FiresTimes(3));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), Ct);
                return true;
            }
            catch (AmazonEC2Exception ex) when (ex.ErrorCode == "Unavailable")
            {
                return false;
            }
        }));

        Assert.Equal(3, outcomes.Count(ok => !ok));
        Assert.Equal(8, Proxy.Journal.For("DescribeAddresses").Count);
    }

    [Fact]
    public async Task Fault_with_an_AllocationId_predicate_leaves_other_addresses_alone()
    {
        var locked = await AllocateAsync();
        var other = await AllocateAsync();
        var fault = Proxy.Inject(Fault.Error("ReleaseAddress", Ec2Error.Locked(locked)).ForAllocationId(locked).Always());

        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = other }, Ct);
        var thrown = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = locked }, Ct));
        await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = locked }, Ct));

        Assert.Equal("InvalidAddress.Locked", thrown.ErrorCode);
        Assert.Equal(2, fault.Fired);
        Assert.Null(await DescribeInMotoAsync(other));
        Assert.NotNull(await DescribeInMotoAsync(locked));

        fault.Remove();
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = locked }, Ct);
        Assert.Null(await DescribeInMotoAsync(locked));
    }

    [Fact]
    public async Task UnauthorizedOperation_on_DryRun_only_as_AWS_reports_an_IAM_deny_to_a_permission_probe()
    {
        Proxy.Inject(Fault.DeniedOnDryRun("AllocateAddress"));

        var denied = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, DryRun = true }, Ct));
        var allocated = await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct);

        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.StartsWith("You are not authorized to perform this operation. Encoded authorization failure message: ", denied.Message, StringComparison.Ordinal);
        Assert.NotNull(await DescribeInMotoAsync(allocated.AllocationId));
        Assert.Equal([true, false], Proxy.Journal.Entries.Select(e => e.DryRun));
    }

    [Fact]
    public async Task Without_a_fault_moto_answers_DryRun_with_DryRunOperation_412()
    {
        var dryRun = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, DryRun = true }, Ct));

        Assert.Equal("DryRunOperation", dryRun.ErrorCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, dryRun.StatusCode);
        var entry = Assert.Single(Proxy.Journal.Entries);
        Assert.Equal((Ec2Outcome.Forwarded, HttpStatusCode.PreconditionFailed, "DryRunOperation"), (entry.Outcome, entry.Status, entry.ErrorCode));
    }

    [Fact]
    public async Task Forward_then_error_changes_state_in_moto_but_the_caller_sees_the_error()
    {
        var before = (await Env.MotoEc2.DescribeAddressesAsync(new DescribeAddressesRequest(), Ct)).Addresses?.Count ?? 0;
        Proxy.Inject(Fault.AfterForward("AllocateAddress", Ec2Error.InternalError()));

        var thrown = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, Ct));

        Assert.Equal("InternalError", thrown.ErrorCode);
        Assert.Equal(before + 1, (await Env.MotoEc2.DescribeAddressesAsync(new DescribeAddressesRequest(), Ct)).Addresses.Count);
    }

    [Fact]
    public async Task Latency_delays_the_answer_and_then_lets_it_through()
    {
        Proxy.Inject(Fault.Latency("DescribeAddresses", TimeSpan.FromMilliseconds(700)));

        var clock = Stopwatch.StartNew();
        await Ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), Ct);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(650), $"took {clock.Elapsed}");
        Assert.Equal(Ec2Outcome.Forwarded, Assert.Single(Proxy.Journal.Entries).Outcome);
    }

    [Fact]
    public async Task Address_released_to_another_account_answers_AuthFailure_not_NotFound()
    {
        var allocationId = await AllocateAsync();

        await Proxy.ReleaseToAnotherAccountAsync(allocationId, cancellationToken: Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
        var release = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));
        var describe = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocationId] }, Ct));
        Assert.Equal(("AuthFailure", "AuthFailure"), (release.ErrorCode, describe.ErrorCode));
        Assert.Contains("does not belong to you", release.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, release.StatusCode);
    }

    [Fact]
    public async Task Address_held_by_a_managed_service_refuses_release_for_N_attempts_then_releases()
    {
        var allocationId = await AllocateAsync();
        Proxy.HoldByManagedService(allocationId, attempts: 2);

        for (var i = 0; i < 2; i++)
        {
            var thrown = await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));
            Assert.Equal(("AuthFailure", "You do not have permission to access the specified resource."), (thrown.ErrorCode, thrown.Message));
        }
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);

        Assert.Null(await DescribeInMotoAsync(allocationId));
    }

    [Fact]
    public async Task Journal_records_actions_parameters_and_outcomes_in_order()
    {
        var allocationId = await AllocateAsync();
        await Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct);
        await Assert.ThrowsAsync<AmazonEC2Exception>(() => Ec2.ReleaseAddressAsync(new ReleaseAddressRequest { AllocationId = allocationId }, Ct));

        Assert.Equal(["AllocateAddress", "ReleaseAddress", "ReleaseAddress"], Proxy.Journal.Actions);
        var entries = Proxy.Journal.Entries;
        Assert.Equal("vpc", entries[0].Get("Domain"));
        Assert.All(entries.Skip(1), e => Assert.Equal(allocationId, e.Get("AllocationId")));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest], entries.Select(e => e.Status));
        Assert.Equal("InvalidAllocationID.NotFound", entries[2].ErrorCode);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
    }

    [Fact]
    public async Task Action_in_the_query_string_is_parsed_too()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Proxy.Endpoint, "/?Action=DescribeAddresses&Version=2016-11-15"))
        {
            Content = new StringContent("", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        // Moto routes by the SigV4 credential scope; any signature is accepted.
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0");

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("DescribeAddressesResponse", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("DescribeAddresses", Assert.Single(Proxy.Journal.Entries).Action);
    }

    private static Ec2Error ErrorFor(string code) => code switch
    {
        "AuthFailure" => Ec2Error.AuthFailure(),
        "UnauthorizedOperation" => Ec2Error.UnauthorizedOperation(),
        "RequestLimitExceeded" => Ec2Error.RequestLimitExceeded(),
        "InternalError" => Ec2Error.InternalError(),
        "Unavailable" => Ec2Error.Unavailable(),
        "InvalidAllocationID.NotFound" => Ec2Error.InvalidAllocationIdNotFound("eipalloc-0000"),
        "InvalidAssociationID.NotFound" => Ec2Error.InvalidAssociationIdNotFound("eipassoc-0000"),
        "InvalidNetworkInterfaceID.NotFound" => Ec2Error.InvalidNetworkInterfaceIdNotFound("eni-0000"),
        "InvalidAddress.PtrSet" => Ec2Error.PtrSet("eipalloc-0000"),
        "InvalidAddress.Locked" => Ec2Error.Locked("eipalloc-0000"),
        "AddressLimitExceeded" => Ec2Error.AddressLimitExceeded(),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };
}
