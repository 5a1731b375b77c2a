using System.Net;
using Amazon.EC2;
using Grpc.Core;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Tests.Aws;

public class Ec2DiagnosticsTests
{
    private static readonly Ec2Diagnostics Catalogue = Ec2Diagnostics.Instance;

    public static readonly TheoryData<string, StatusCode> BriefCodes = new()
    {
        { "InvalidIPAddress.InUse", StatusCode.FailedPrecondition },
        { "AuthFailure", StatusCode.FailedPrecondition },
        { "InvalidAddress.NotFound", StatusCode.NotFound },
        { "InvalidAllocationID.NotFound", StatusCode.NotFound },
        { "InvalidAssociationID.NotFound", StatusCode.NotFound },
        { "DryRunOperation", StatusCode.FailedPrecondition },
        { "UnauthorizedOperation", StatusCode.PermissionDenied },
        { "AddressLimitExceeded", StatusCode.ResourceExhausted },
        { "InvalidParameterValue", StatusCode.InvalidArgument },
        { "InvalidParameterCombination", StatusCode.InvalidArgument },
        { "RequestLimitExceeded", StatusCode.Unavailable },
        { "InternalError", StatusCode.Unavailable },
        { "Unavailable", StatusCode.Unavailable },
        { "InvalidNetworkInterfaceID.NotFound", StatusCode.NotFound },
        { "InvalidAddress.PtrSet", StatusCode.FailedPrecondition },
        { "InvalidAddress.Locked", StatusCode.FailedPrecondition },
        { "InvalidInstanceID.NotFound", StatusCode.NotFound },
        { "Resource.AlreadyAssociated", StatusCode.FailedPrecondition },
        { "MissingParameter", StatusCode.InvalidArgument },
    };

    [Theory]
    [MemberData(nameof(BriefCodes))]
    public void Every_code_we_can_meet_is_catalogued_with_its_status(string code, StatusCode status)
    {
        var entry = ((IDiagnosticCatalogue)Catalogue).Find(code);
        Assert.NotNull(entry);
        Assert.Equal(status, entry.Status);
    }

    [Fact]
    public void Every_entry_has_a_title_and_a_remedy_and_no_bug_status()
    {
        Assert.All(Catalogue.Entries, kv =>
        {
            Assert.Equal(kv.Key, kv.Value.Code);
            Assert.False(string.IsNullOrWhiteSpace(kv.Value.Title));
            Assert.False(string.IsNullOrWhiteSpace(kv.Value.Remedy));
            Assert.DoesNotContain(kv.Value.Status, new[] { StatusCode.Internal, StatusCode.Unknown, StatusCode.OK });
        });
    }

    [Fact]
    public void Retried_codes_are_exactly_the_ones_waiting_can_fix()
    {
        var retried = Catalogue.Entries.Values.Where(e => e.Retryable).Select(e => e.Code).Order(StringComparer.Ordinal);
        Assert.Equal(
            // Throttling and EC2's 5xx codes are retried by the one retry primitive (Retries/Ec2Limits.cs): throttling
            // until the deadline, server errors up to awsMaxRetries.
            ["AuthFailure", "InternalError", "InvalidAllocationID.NotFound", "InvalidAssociationID.NotFound", "InvalidIPAddress.InUse",
             "InvalidNetworkInterfaceID.NotFound", "RequestLimitExceeded", "ServiceUnavailable", "Unavailable"],
            retried);
        Assert.False(Catalogue.Entries["UnauthorizedOperation"].Retryable);
    }

    [Fact]
    public void A_diagnostic_names_the_IAM_action_the_address_the_resource_and_the_code()
    {
        var e = new AmazonEC2Exception("You are not authorized to perform this operation.") { ErrorCode = "UnauthorizedOperation", StatusCode = HttpStatusCode.Forbidden };
        var d = Catalogue.Explain(e, "ReleaseAddress", "203.0.113.5 (eipalloc-0abc) of publicip:aws:ElasticIp 'web'");
        Assert.Equal(StatusCode.PermissionDenied, d.ToException().Code);
        Assert.StartsWith("ec2:ReleaseAddress on 203.0.113.5 (eipalloc-0abc) of publicip:aws:ElasticIp 'web' failed:", d.Message, StringComparison.Ordinal);
        Assert.EndsWith("[UnauthorizedOperation]", d.Message, StringComparison.Ordinal);
        Assert.Contains("decode-authorization-message", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, StatusCode.FailedPrecondition)]
    [InlineData(HttpStatusCode.ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.Forbidden, StatusCode.PermissionDenied)]
    public void Unknown_codes_keep_the_code_and_EC2s_message_and_are_never_a_bug_status(HttpStatusCode http, StatusCode expected)
    {
        var e = new AmazonEC2Exception("Something new happened") { ErrorCode = "Brand.NewCode", StatusCode = http };
        var d = Catalogue.Explain(e, "AssociateAddress", "203.0.113.5 of publicip:aws:ElasticIp 'web'");
        Assert.Equal(expected, d.Entry.Status);
        Assert.Contains("[Brand.NewCode]", d.Message, StringComparison.Ordinal);
        Assert.Contains("Something new happened", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_AuthFailure_is_told_apart_from_the_resource_one()
    {
        var creds = new AmazonEC2Exception("AWS was not able to validate the provided access credentials") { ErrorCode = "AuthFailure", StatusCode = HttpStatusCode.Unauthorized };
        var resource = new AmazonEC2Exception("You do not have permission to access the specified resource.") { ErrorCode = "AuthFailure", StatusCode = HttpStatusCode.BadRequest };
        Assert.Equal(StatusCode.Unauthenticated, Catalogue.EntryFor(creds).Status);
        Assert.Contains("awsAccessKey", Catalogue.EntryFor(creds).Remedy, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, Catalogue.EntryFor(resource).Status);
    }

    [Fact]
    public void Transport_failures_are_Unavailable_not_bugs()
    {
        var d = Catalogue.Explain(new HttpRequestException("connection refused"), "DescribeAddresses", "x of y");
        Assert.Equal(StatusCode.Unavailable, d.Entry.Status);
        Assert.True(Ec2Diagnostics.IsCloudFailure(new HttpRequestException("x")));
        Assert.False(Ec2Diagnostics.IsCloudFailure(new InvalidOperationException("bug")));
    }
}
