using System.Globalization;
using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Host;

/// <summary>The engine's gRPC address as the engine writes it: host:port, or an http(s) URL with a port.</summary>
public static class EngineAddress
{
    /// <summary>
    /// Parses an address; an empty one is valid and means "not attached yet" (<paramref name="uri"/> null).
    /// <paramref name="problem"/> says what is wrong, quoting at most a short prefix of the value.
    /// </summary>
    public static bool TryParse(string? address, out Uri? uri, out string problem)
    {
        uri = null;
        problem = "";
        if (string.IsNullOrWhiteSpace(address))
        {
            return true;
        }
        var withScheme = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (address.Length > 512
            || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            || !Uri.TryCreate(withScheme, UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("http" or "https")
            || parsed.Host.Length == 0
            || parsed.UserInfo.Length > 0
            || parsed.PathAndQuery != "/"
            || parsed.Fragment.Length > 0
            || !HasExplicitPort(address, parsed))
        {
            problem = $"must be the engine's host:port (e.g. 127.0.0.1:51234), not {Text.Quote(address)}";
            return false;
        }
        uri = new UriBuilder(parsed.Scheme, parsed.Host, parsed.Port).Uri;
        return true;
    }

    private static bool HasExplicitPort(string address, Uri parsed)
    {
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        var authority = (scheme < 0 ? address : address[(scheme + 3)..]).TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']')
            && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            && port == parsed.Port;
    }
}
