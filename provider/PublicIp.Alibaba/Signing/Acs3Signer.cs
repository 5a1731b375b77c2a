using System.Security.Cryptography;
using System.Text;

namespace PublicIp.Alibaba.Signing;

/// <summary>The parts of an ACS3-HMAC-SHA256 signature, kept apart so tests can compare each with captured vectors.</summary>
public sealed record Acs3Signature(string CanonicalRequest, string StringToSign, string SignedHeaders, string Signature)
{
    public string AuthorizationHeader(string accessKeyId) =>
        $"{Acs3Signer.Algorithm} Credential={accessKeyId},SignedHeaders={SignedHeaders},Signature={Signature}";

    // The signature is a bearer-equivalent for the nonce's lifetime; keep it out of logs.
    public override string ToString() => $"Acs3Signature {{ SignedHeaders = {SignedHeaders}, Signature = *** }}";
}

/// <summary>ACS3-HMAC-SHA256 (the default of the official SDKs), as pure functions.</summary>
public static class Acs3Signer
{
    public const string Algorithm = "ACS3-HMAC-SHA256";

    /// <summary>Headers that take part in the signature: host, content-type and every x-acs-* header.</summary>
    public static bool IsSignedHeader(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower is "host" or "content-type" || lower.StartsWith("x-acs-", StringComparison.Ordinal);
    }

    /// <summary>
    /// Signs a request. <paramref name="query"/> holds decoded values; <paramref name="headers"/> must already contain
    /// every header to be signed (host, x-acs-date, x-acs-signature-nonce, x-acs-content-sha256, ...); others are ignored.
    /// </summary>
    public static Acs3Signature Sign(
        string method, string path, IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers, string hashedPayload, string accessKeySecret)
    {
        var signed = headers
            .Where(h => IsSignedHeader(h.Key))
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => h.Value.Trim()).Order(StringComparer.Ordinal))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', signed.Select(h => h.Name));
        var canonicalHeaders = string.Concat(signed.Select(h => h.Name + ":" + h.Value + "\n"));
        // The SDKs (TS and C#) encode values but not keys; our keys are plain ASCII API names, so this is equivalent.
        var canonicalQuery = string.Join('&', query
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + AcsEncoding.PercentEncode(p.Value)));
        var canonicalUri = string.IsNullOrEmpty(path) ? "/" : path;
        var canonicalRequest = string.Join('\n', method.ToUpperInvariant(), canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, hashedPayload);
        var stringToSign = Algorithm + "\n" + AcsEncoding.Sha256Hex(canonicalRequest);
        var signature = Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign)));
        return new Acs3Signature(canonicalRequest, stringToSign, signedHeaders, signature);
    }

    /// <summary>Parses "ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..". Null when malformed.</summary>
    public static (string Credential, IReadOnlyList<string> SignedHeaders, string Signature)? ParseAuthorization(string? header)
    {
        if (header is null || !header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return null;
        }
        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return null;
            }
            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: break;
            }
        }
        return credential is null || signedHeaders is null || signature is null
            ? null
            : (credential, signedHeaders.Split(';'), signature);
    }
}
