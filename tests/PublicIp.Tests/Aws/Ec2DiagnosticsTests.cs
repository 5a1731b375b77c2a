using System.Net;
using Amazon.EC2;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Retries;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Tests.Aws;

public class Ec2DiagnosticsTests
{
    private static readonly Ec2Diagnostics Catalogue = Ec2Diagnostics.Instance;

    public static readonly TheoryData<string, FailureKind> BriefCodes = new()
    {
        { "InvalidIPAddress.InUse", FailureKind.FailedPrecondition },
        { "AuthFailure", FailureKind.FailedPrecondition },
        { "InvalidAddress.NotFound", FailureKind.NotFound },
        { "InvalidAllocationID.NotFound", FailureKind.NotFound },
        { "InvalidAssociationID.NotFound", FailureKind.NotFound },
        { "DryRunOperation", FailureKind.FailedPrecondition },
        { "UnauthorizedOperation", FailureKind.PermissionDenied },
        { "AddressLimitExceeded", FailureKind.QuotaExceeded },
        { "InvalidParameterValue", FailureKind.InvalidInput },
        { "InvalidParameterCombination", FailureKind.InvalidInput },
        { "RequestLimitExceeded", FailureKind.Unavailable },
        { "InternalError", FailureKind.Unavailable },
        { "Unavailable", FailureKind.Unavailable },
        { "InvalidNetworkInterfaceID.NotFound", FailureKind.NotFound },
        { "InvalidAddress.PtrSet", FailureKind.FailedPrecondition },
        { "InvalidAddress.Locked", FailureKind.FailedPrecondition },
        { "InvalidInstanceID.NotFound", FailureKind.NotFound },
        { "Resource.AlreadyAssociated", FailureKind.FailedPrecondition },
        { "MissingParameter", FailureKind.InvalidInput },
    };

    [Theory]
    [MemberData(nameof(BriefCodes))]
    public void Every_code_we_can_meet_is_catalogued_with_its_status(string code, FailureKind kind)
    {
        var entry = ((IDiagnosticCatalogue)Catalogue).Find(code);
        Assert.NotNull(entry);
        Assert.Equal(kind, entry.Kind);
    }

    [Fact]
    public void Every_entry_has_a_title_and_a_remedy()
    {
        Assert.All(Catalogue.Entries, kv =>
        {
            Assert.Equal(kv.Key, kv.Value.Code);
            Assert.False(string.IsNullOrWhiteSpace(kv.Value.Title));
            Assert.False(string.IsNullOrWhiteSpace(kv.Value.Remedy));
        });
    }

    [Fact]
    public void Codes_waiting_can_fix_are_the_ones_the_retry_tables_wait_out()
    {
        // The retry rules are what act; the catalogue only explains. Each code they wait out must be explained,
        // and the two codes the brief names as final must not be waited out by anything.
        var retried = Ec2WaitFor.ByCall.SelectMany(c => c.Codes.Keys).Concat(Ec2Limits.ServerErrorCodes).Append("RequestLimitExceeded")
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(retried, code => Assert.Contains(code, Catalogue.Entries.Keys));
        Assert.DoesNotContain("UnauthorizedOperation", retried);
        Assert.DoesNotContain("InvalidAddress.PtrSet", retried);
    }

    [Fact]
    public void Failures_without_an_EC2_answer_are_catalogued_so_the_README_lists_them()
    {
        var noCredentials = new Amazon.Runtime.AmazonClientException("Unable to get IAM security credentials");
        var d = Catalogue.Explain(noCredentials, Ec2Diagnostics.Calling("DescribeAddresses", "x of y"));
        Assert.Same(Catalogue.Entries[Ec2ErrorCodes.CredentialsUnavailable], d.Entry);
        Assert.Equal(FailureKind.Unauthenticated, d.Entry.Kind);
        Assert.Same(Catalogue.Entries[Ec2ErrorCodes.EndpointUnreachable],
            Catalogue.Explain(new HttpRequestException("no route"), Ec2Diagnostics.Calling("DescribeAddresses", "x of y")).Entry);
    }

    [Fact]
    public void A_diagnostic_names_the_IAM_action_the_address_the_resource_and_the_code()
    {
        var e = new AmazonEC2Exception("You are not authorized to perform this operation.") { ErrorCode = "UnauthorizedOperation", StatusCode = HttpStatusCode.Forbidden };
        var d = Catalogue.Explain(e, Ec2Diagnostics.Calling("ReleaseAddress", "203.0.113.5 (eipalloc-0abc) of publicip:aws:ElasticIp 'web'"));
        Assert.Equal(FailureKind.PermissionDenied, d.ToException().Kind);
        Assert.StartsWith("ec2:ReleaseAddress on 203.0.113.5 (eipalloc-0abc) of publicip:aws:ElasticIp 'web' failed:", d.Message, StringComparison.Ordinal);
        Assert.EndsWith("[UnauthorizedOperation]", d.Message, StringComparison.Ordinal);
        Assert.Contains("decode-authorization-message", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, FailureKind.FailedPrecondition)]
    [InlineData(HttpStatusCode.ServiceUnavailable, FailureKind.Unavailable)]
    [InlineData(HttpStatusCode.Forbidden, FailureKind.PermissionDenied)]
    public void Unknown_codes_keep_the_code_and_EC2s_message_and_are_never_a_bug_status(HttpStatusCode http, FailureKind expected)
    {
        var e = new AmazonEC2Exception("Something new happened") { ErrorCode = "Brand.NewCode", StatusCode = http };
        var d = Catalogue.Explain(e, Ec2Diagnostics.Calling("AssociateAddress", "203.0.113.5 of publicip:aws:ElasticIp 'web'"));
        Assert.Equal(expected, d.Entry.Kind);
        Assert.Contains("[Brand.NewCode]", d.Message, StringComparison.Ordinal);
        Assert.Contains("Something new happened", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_AuthFailure_is_told_apart_from_the_resource_one()
    {
        var creds = new AmazonEC2Exception("AWS was not able to validate the provided access credentials") { ErrorCode = "AuthFailure", StatusCode = HttpStatusCode.Unauthorized };
        var resource = new AmazonEC2Exception("You do not have permission to access the specified resource.") { ErrorCode = "AuthFailure", StatusCode = HttpStatusCode.BadRequest };
        Assert.Equal(FailureKind.Unauthenticated, Catalogue.EntryFor(creds).Kind);
        Assert.Contains("awsAccessKey", Catalogue.EntryFor(creds).Remedy, StringComparison.Ordinal);
        Assert.Equal(FailureKind.FailedPrecondition, Catalogue.EntryFor(resource).Kind);
    }

    [Fact]
    public void Transport_failures_are_Unavailable_not_bugs()
    {
        var d = Catalogue.Explain(new HttpRequestException("connection refused"), Ec2Diagnostics.Calling("DescribeAddresses", "x of y"));
        Assert.Equal(FailureKind.Unavailable, d.Entry.Kind);
        Assert.True(Ec2Diagnostics.Instance.IsCloudFailure(new HttpRequestException("x")));
        Assert.False(Ec2Diagnostics.Instance.IsCloudFailure(new InvalidOperationException("bug")));
    }
}
