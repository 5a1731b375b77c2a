using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PublicIp.Alibaba.Signing;

/// <summary>Encoding helpers shared by both signature algorithms (and by the emulator that checks them).</summary>
public static class AcsEncoding
{
    /// <summary>The timestamp format both algorithms sign: UTC, no milliseconds.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseTimestamp(string? value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>
    /// RFC 3986 percent-encoding of UTF-8 bytes, keeping only A-Z a-z 0-9 - _ . ~ — what the SDKs get from
    /// URLEncoder plus the "+"→"%20", "*"→"%2A", "%7E"→"~" fix-ups.
    /// </summary>
    public static string PercentEncode(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha256Hex(string data) => Sha256Hex(Encoding.UTF8.GetBytes(data));

    /// <summary>Hex SHA-256 of an empty body, the value every body-less V3 request signs.</summary>
    public static readonly string EmptyBodySha256 = Sha256Hex(ReadOnlySpan<byte>.Empty);

    /// <summary>Sorted (ordinal) key=value pairs, both percent-encoded: the v1 canonical query and a form/query body.</summary>
    public static string EncodeSortedPairs(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => PercentEncode(p.Key) + "=" + PercentEncode(p.Value)));

    /// <summary>Constant-time comparison, so a verifier does not leak how much of a signature matched.</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
