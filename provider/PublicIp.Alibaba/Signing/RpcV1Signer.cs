using System.Security.Cryptography;
using System.Text;

namespace PublicIp.Alibaba.Signing;

/// <summary>The parts of a legacy RPC (v1, HMAC-SHA1) signature.</summary>
public sealed record RpcV1Signature(string CanonicalQuery, string StringToSign, string Signature)
{
    public override string ToString() => "RpcV1Signature { Signature = *** }";
}

/// <summary>Legacy RPC signature v1 (HMAC-SHA1) as used by tea-rpc/terraform, pop-core and openapi-core's "v2" mode.</summary>
public static class RpcV1Signer
{
    public const string SignatureMethod = "HMAC-SHA1";
    public const string SignatureVersion = "1.0";

    /// <summary>
    /// Signs every parameter except Signature (common + API + form-body parameters, merged).
    /// <paramref name="method"/> is the real HTTP method, which is part of the string to sign.
    /// </summary>
    public static RpcV1Signature Sign(string method, IEnumerable<KeyValuePair<string, string>> parameters, string accessKeySecret)
    {
        var canonical = AcsEncoding.EncodeSortedPairs(parameters.Where(p => p.Key != "Signature"));
        var stringToSign = method.ToUpperInvariant() + "&" + AcsEncoding.PercentEncode("/") + "&" + AcsEncoding.PercentEncode(canonical);
        // SHA-1 is what the v1 protocol defines; choosing another hash is not ours to make.
#pragma warning disable CA5350
        var signature = Convert.ToBase64String(
            HMACSHA1.HashData(Encoding.UTF8.GetBytes(accessKeySecret + "&"), Encoding.UTF8.GetBytes(stringToSign)));
#pragma warning restore CA5350
        return new RpcV1Signature(canonical, stringToSign, signature);
    }
}
