using PublicIp.Alibaba.Signing;
using Xunit;

namespace PublicIp.Alibaba.Tests;

/// <summary>Known answers from TestData/alibaba-signature-vectors.txt (captured from the official Node SDKs).</summary>
public class SignatureVectorTests
{
    private static readonly Dictionary<string, string> ReleaseQuery = new()
    {
        ["InstanceId"] = "i-abc123", ["PublicIpAddress"] = "47.1.2.3", ["RegionId"] = "cn-beijing",
    };

    private static Dictionary<string, string> V3Headers(string action, string version, string nonce, string provider) => new()
    {
        ["host"] = "127.0.0.1:41349",
        ["x-acs-version"] = version,
        ["x-acs-action"] = action,
        ["user-agent"] = "AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2",
        ["x-acs-date"] = "2026-11-23T08:10:16Z",
        ["x-acs-signature-nonce"] = nonce,
        ["accept"] = "application/json",
        ["x-acs-content-sha256"] = AcsEncoding.EmptyBodySha256,
        ["x-acs-credentials-provider"] = provider,
    };

    [Fact]
    public void Acs3_release_matches_the_sdk_canonical_request_string_to_sign_and_authorization()
    {
        var headers = V3Headers("ReleasePublicIpAddress", "2014-05-26", "ae989ce4a7cfb8a346544c0f27dee7467584c4227209f3ed827ef936cd297d2f", "static_ak");
        var signature = Acs3Signer.Sign("POST", "/", ReleaseQuery, headers, AcsEncoding.EmptyBodySha256, "testsecret");

        Assert.Equal(
            "POST\n/\nInstanceId=i-abc123&PublicIpAddress=47.1.2.3&RegionId=cn-beijing\n" +
            "host:127.0.0.1:41349\nx-acs-action:ReleasePublicIpAddress\n" +
            "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
            "x-acs-credentials-provider:static_ak\nx-acs-date:2026-11-23T08:10:16Z\n" +
            "x-acs-signature-nonce:ae989ce4a7cfb8a346544c0f27dee7467584c4227209f3ed827ef936cd297d2f\nx-acs-version:2014-05-26\n\n" +
            "host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature.CanonicalRequest);
        Assert.Equal("ACS3-HMAC-SHA256\nf6002a07bab6d70f9ceeff971ed71dd69868103dea986a96caffb07ae9f5e91a", signature.StringToSign);
        Assert.Equal(
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=671e3af2454d4b7f8ca3d58298dca45c0b7ef2e86ff870e6b47ec5e8c69b4c8d",
            signature.AuthorizationHeader("testid"));
    }

    [Fact]
    public void Acs3_with_sts_token_matches_the_sdk()
    {
        var headers = V3Headers("ReleasePublicIpAddress", "2014-05-26", "c7dee60a930cd4aac75c6e93feaed116391de609e8139df3baacbfb363bfddf5", "static_sts");
        headers["x-acs-accesskey-id"] = "testid";
        headers["x-acs-security-token"] = "sts-tok";
        var signature = Acs3Signer.Sign("POST", "/", ReleaseQuery, headers, AcsEncoding.EmptyBodySha256, "testsecret");
        Assert.Equal(
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=a0509150482b275fd9e703ea7fb3e070df9afcd1d220864872757dd2cf672e27",
            signature.AuthorizationHeader("testid"));
    }

    [Fact]
    public void Acs3_vpc_associate_matches_the_sdk()
    {
        var query = new Dictionary<string, string>
        {
            ["AllocationId"] = "eip-123", ["InstanceId"] = "i-abc123", ["InstanceType"] = "EcsInstance", ["RegionId"] = "cn-beijing",
        };
        var headers = V3Headers("AssociateEipAddress", "2016-04-28", "273ff4d12bf7b0ad74c7bb5339c2c81aefba1330f603b9e658dd0a8a3e890908", "static_ak");
        var signature = Acs3Signer.Sign("POST", "/", query, headers, AcsEncoding.EmptyBodySha256, "testsecret");
        Assert.Equal("1fad9e40e070b288d4fdf58d359f9094f289ad470c86c41e6157cd1b870ecad5", signature.Signature);
    }

    [Fact]
    public void Acs3_parses_its_own_authorization_header()
    {
        var parsed = Acs3Signer.ParseAuthorization("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=abc");
        Assert.NotNull(parsed);
        Assert.Equal("testid", parsed.Value.Credential);
        Assert.Equal(["host", "x-acs-date"], parsed.Value.SignedHeaders);
        Assert.Null(Acs3Signer.ParseAuthorization("HMAC-SHA1 x"));
    }

    private static Dictionary<string, string> V1Params(string format, string nonce) => new()
    {
        ["AccessKeyId"] = "testid", ["Action"] = "ReleasePublicIpAddress", ["Format"] = format,
        ["InstanceId"] = "i-abc123", ["PublicIpAddress"] = "47.1.2.3", ["RegionId"] = "cn-beijing",
        ["SignatureMethod"] = "HMAC-SHA1", ["SignatureNonce"] = nonce, ["SignatureVersion"] = "1.0",
        ["Timestamp"] = "2026-11-23T08:10:16Z", ["Version"] = "2014-05-26",
    };

    [Fact]
    public void V1_openapi_query_mode_matches_string_to_sign_and_signature()
    {
        var signature = RpcV1Signer.Sign("POST", V1Params("json", "414d4de408c9bb0a5cea233a695300837f7ee48682c4082553343bf6637b7081"), "testsecret");
        Assert.Equal(
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DReleasePublicIpAddress%26Format%3Djson%26InstanceId%3Di-abc123%26PublicIpAddress%3D47.1.2.3%26RegionId%3Dcn-beijing%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D414d4de408c9bb0a5cea233a695300837f7ee48682c4082553343bf6637b7081%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T08%253A10%253A16Z%26Version%3D2014-05-26",
            signature.StringToSign);
        Assert.Equal("EvUymBxR7/x+B4FZFS+3XK0cCCI=", signature.Signature);
    }

    [Theory]
    [InlineData("POST", "3a76404fd5201073a67b93f42dcb67f3", "M2PIsqNEV8nPDY13j0FSBP0Qb14=")]
    [InlineData("GET", "88e3e3ab09fa68cf3f3544d66a587694", "7naC5pGvECum47Cl+z8aBIoPOgc=")]
    public void V1_pop_core_form_and_get_match(string method, string nonce, string expected)
    {
        var parameters = V1Params("JSON", nonce);
        parameters["Signature"] = "ignored: never part of what is signed";
        Assert.Equal(expected, RpcV1Signer.Sign(method, parameters, "testsecret").Signature);
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("*~-_.", "%2A~-_.")]
    [InlineData("2026-11-23T08:10:16Z", "2026-11-23T08%3A10%3A16Z")]
    [InlineData("ü/+=", "%C3%BC%2F%2B%3D")]
    public void Percent_encoding_keeps_only_unreserved_characters(string raw, string encoded) =>
        Assert.Equal(encoded, AcsEncoding.PercentEncode(raw));

    [Fact]
    public void Signature_records_do_not_print_the_signature()
    {
        var v3 = Acs3Signer.Sign("POST", "/", ReleaseQuery, V3Headers("A", "v", "n", "p"), AcsEncoding.EmptyBodySha256, "testsecret");
        Assert.DoesNotContain(v3.Signature, v3.ToString(), StringComparison.Ordinal);
        var v1 = RpcV1Signer.Sign("GET", ReleaseQuery, "testsecret");
        Assert.DoesNotContain(v1.Signature, v1.ToString(), StringComparison.Ordinal);
    }
}
