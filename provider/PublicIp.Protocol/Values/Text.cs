using System.Text;

namespace PublicIp.Protocol.Values;

/// <summary>
/// Keeps what we echo short. The engine reads error messages from HTTP/2 trailers, and a trailer over the
/// peer's header-list limit is never delivered: the call hangs and stalls the whole connection.
/// </summary>
public static class Text
{
    /// <summary>The longest quoted value a message carries.</summary>
    public const int MaxQuoted = 80;

    /// <summary>The longest message any status carries (percent-encoded on the wire, so at most ~24 KB of trailer).</summary>
    public const int MaxMessage = 2000;

    /// <summary>A value in double quotes, cut to <paramref name="max"/> characters and with control characters escaped.</summary>
    public static string Quote(string? value, int max = MaxQuoted)
    {
        if (value is null)
        {
            return "null";
        }
        var sb = new StringBuilder(Math.Min(value.Length, max) + 16).Append('"');
        var shown = 0;
        foreach (var c in value)
        {
            if (shown == max)
            {
                break;
            }
            if (char.IsControl(c))
            {
                sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
            }
            else
            {
                sb.Append(c);
            }
            shown++;
        }
        sb.Append('"');
        if (value.Length > max)
        {
            sb.Append($" (cut; {value.Length} characters)");
        }
        return sb.ToString();
    }

    /// <summary>A message cut to <paramref name="max"/> characters, saying that it was cut.</summary>
    public static string Truncate(string? message, int max = MaxMessage)
    {
        if (string.IsNullOrEmpty(message) || message.Length <= max)
        {
            return message ?? "";
        }
        var cut = max;
        if (char.IsHighSurrogate(message[cut - 1]))
        {
            cut--;
        }
        return message[..cut] + $"… (message cut; {message.Length} characters)";
    }
}
