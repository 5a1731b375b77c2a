using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;

namespace PublicIp.Protocol.Values;

/// <summary>
/// Removes secrets from text before it leaves the process: every secret string as given, and percent-encoded
/// once or twice (the forms a signed request, and a cloud's echo of it, carry).
/// </summary>
public sealed partial class Redactor
{
    /// <summary>Shorter secrets are not searched for in text: replacing every "1" or "a" would garble every message.</summary>
    public const int MinLength = 3;

    public const string Mask = "[secret]";

    public static readonly Redactor None = new(ImmutableArray<string>.Empty);

    private readonly ImmutableArray<string> _needles;

    private Redactor(ImmutableArray<string> needles) => _needles = needles;

    public IReadOnlySet<string> Secrets => _needles.ToHashSet(StringComparer.Ordinal);

    public static Redactor For(IEnumerable<string?> secrets) => None.With(secrets);

    public Redactor With(IEnumerable<string?> secrets)
    {
        var needles = new HashSet<string>(_needles, StringComparer.Ordinal);
        foreach (var s in secrets)
        {
            if (s is null || s.Length < MinLength)
            {
                continue;
            }
            needles.Add(s);
            var once = Uri.EscapeDataString(s);
            needles.Add(once);
            needles.Add(Uri.EscapeDataString(once));
            needles.Add(once.Replace("%20", "+", StringComparison.Ordinal));
        }
        // Longest first, so a secret that contains another is replaced whole.
        return new Redactor([.. needles.OrderByDescending(n => n.Length).ThenBy(n => n, StringComparer.Ordinal)]);
    }

    public Redactor With(Redactor other) => other._needles.IsEmpty ? this : With(other._needles);

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        foreach (var needle in _needles)
        {
            if (text.Contains(needle, StringComparison.Ordinal))
            {
                text = text.Replace(needle, Mask, StringComparison.Ordinal);
            }
        }
        return text;
    }

    /// <summary>
    /// A cloud's own error message without its echo of the request it signed (Alibaba's "server string to sign is:",
    /// AWS's canonical request): that echo quotes the AccessKeyId and the security token. Use it on the cloud's
    /// message alone, where the echo runs to the end.
    /// </summary>
    public static string WithoutRequestEcho(string? cloudMessage)
    {
        if (string.IsNullOrEmpty(cloudMessage))
        {
            return cloudMessage ?? "";
        }
        var echo = RequestEcho().Match(cloudMessage);
        return echo.Success ? cloudMessage[..echo.Index].TrimEnd() + " [the cloud's copy of the signed request is not shown]" : cloudMessage;
    }

    [GeneratedRegex(@"(server\s+)?string[\s-]*to[\s-]*sign|canonical\s+(string|request)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RequestEcho();

    /// <summary>Every string (and number, as text) inside a secret, anywhere in the values; the walk is iterative and depth-bounded.</summary>
    public static IEnumerable<string> SecretStrings(params Struct?[] bags)
    {
        var found = new List<string>();
        var pending = new Stack<(Value Value, bool InSecret, int Depth)>();
        foreach (var bag in bags)
        {
            if (bag is not null)
            {
                pending.Push((Value.ForStruct(bag), false, 0));
            }
        }
        while (pending.Count > 0)
        {
            var (v, inSecret, depth) = pending.Pop();
            if (depth > PropertyCodec.MaxDepth + 2)
            {
                continue;
            }
            switch (v.KindCase)
            {
                case Value.KindOneofCase.StringValue when inSecret:
                    found.Add(v.StringValue);
                    break;
                case Value.KindOneofCase.NumberValue when inSecret:
                    found.Add(v.NumberValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case Value.KindOneofCase.ListValue:
                    foreach (var item in v.ListValue.Values)
                    {
                        pending.Push((item, inSecret, depth + 1));
                    }
                    break;
                case Value.KindOneofCase.StructValue:
                    var fields = v.StructValue.Fields;
                    var secret = inSecret || IsSecretWrapper(fields);
                    foreach (var (key, item) in fields)
                    {
                        if (key != PropertyCodec.SignatureKey)
                        {
                            pending.Push((item, secret, depth + 1));
                        }
                    }
                    break;
            }
        }
        return found;
    }

    private static bool IsSecretWrapper(Google.Protobuf.Collections.MapField<string, Value> fields) =>
        fields.TryGetValue(PropertyCodec.SignatureKey, out var sig) && sig.KindCase == Value.KindOneofCase.StringValue
        && (sig.StringValue == PropertyCodec.SecretSignature
            || (sig.StringValue == PropertyCodec.OutputValueSignature && fields.TryGetValue("secret", out var s) && s.KindCase == Value.KindOneofCase.BoolValue && s.BoolValue));

    /// <summary>Every string inside a secret in a decoded bag.</summary>
    public static IEnumerable<string> SecretStrings(PropertyMap bag) => SecretStrings(PropertyCodec.Encode(bag));

    /// <summary>True when the value is, or holds, one of the strings.</summary>
    public static bool Mentions(PropertyValue value, IReadOnlySet<string> strings)
    {
        if (strings.Count == 0)
        {
            return false;
        }
        var pending = new Stack<(PropertyValue, int)>();
        pending.Push((value, 0));
        while (pending.Count > 0)
        {
            var (v, depth) = pending.Pop();
            if (depth > PropertyCodec.MaxDepth + 2)
            {
                continue;
            }
            switch (v)
            {
                case StringValue s when strings.Contains(s.Value):
                    return true;
                case SecretValue s: pending.Push((s.Value, depth + 1)); break;
                case OutputValue { Value: { } inner }: pending.Push((inner, depth + 1)); break;
                case ArrayValue a:
                    foreach (var item in a.Items)
                    {
                        pending.Push((item, depth + 1));
                    }
                    break;
                case ObjectValue o:
                    foreach (var item in o.Properties.Values)
                    {
                        pending.Push((item, depth + 1));
                    }
                    break;
            }
        }
        return false;
    }
}
