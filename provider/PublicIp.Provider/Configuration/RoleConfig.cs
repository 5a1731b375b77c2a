using System.Collections.Immutable;
using System.Text.Json;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Provider.Configuration;

/// <summary>
/// One role to assume (AWS IAM through STS AssumeRole, or an Alibaba RAM role through STS AssumeRole).
/// Both clouds take the same five settings; AWS also takes session tags and managed session policies.
/// </summary>
public sealed record RoleToAssume(
    string RoleArn,
    string SessionName,
    string? ExternalId,
    int DurationSeconds,
    string? Policy,
    ImmutableArray<string> PolicyArns,
    ImmutableSortedDictionary<string, string> Tags)
{
    // The external id is a shared secret between the role's owner and its users; it stays out of every log line.
    public override string ToString() => $"RoleToAssume {{ RoleArn = {RoleArn}, SessionName = {SessionName}, DurationSeconds = {DurationSeconds} }}";
}

/// <summary>Reads <c>awsAssumeRole</c> / <c>alicloudAssumeRole</c>: one object, or a list of them for a chain of hops.</summary>
public static class RoleConfig
{
    public const string DefaultSessionName = "pulumi-publicip";

    /// <summary>The limits each cloud documents for AssumeRole's DurationSeconds and default.</summary>
    public sealed record Limits(string Cloud, int MinDuration, int MaxDuration, int DefaultDuration, bool AllowsChain, bool AllowsTags);

    public static readonly Limits Aws = new("aws", 900, 43200, 3600, AllowsChain: true, AllowsTags: true);

    public static readonly Limits Alicloud = new("alicloud", 900, 43200, 3600, AllowsChain: false, AllowsTags: false);

    private static readonly string[] CommonKeys = ["roleArn", "sessionName", "externalId", "durationSeconds", "policy"];

    private static readonly string[] AwsOnlyKeys = ["policyArns", "tags"];

    public static ImmutableArray<RoleToAssume> Read(InputReader r, string key, Limits limits)
    {
        var value = r.Value(key);
        if (value is StringValue { Value: var text } && text.TrimStart() is ['{' or '[', ..])
        {
            // `pulumi config set --path` and engines without the schema's config types send objects as JSON text.
            value = ParseJson(r, key, text);
        }
        switch (value)
        {
            case null:
                return [];
            case ObjectValue o:
                return ReadOne(r, key, o.Properties, limits) is { } one ? [one] : [];
            case ArrayValue a when limits.AllowsChain:
                var hops = ImmutableArray.CreateBuilder<RoleToAssume>();
                for (var i = 0; i < a.Items.Length; i++)
                {
                    switch (Unwrap(a.Items[i]))
                    {
                        case ObjectValue hop:
                            if (ReadOne(r, $"{key}[{i}]", hop.Properties, limits) is { } role)
                            {
                                hops.Add(role);
                            }
                            break;
                        case null:
                            break;
                        case var other:
                            r.Fail($"{key}[{i}]", $"'{key}[{i}]' must be an object with a roleArn, not {PropertyCodec.Describe(other)}");
                            break;
                    }
                }
                return hops.ToImmutable();
            case ArrayValue:
                r.Fail(key, $"'{key}' must be one object with a roleArn (a chain of roles is not supported here)");
                return [];
            default:
                r.Fail(key, $"'{key}' must be an object with a roleArn{(limits.AllowsChain ? ", or a list of them for a chain of roles" : "")}, not {PropertyCodec.Describe(value)}");
                return [];
        }
    }

    private static RoleToAssume? ReadOne(InputReader outer, string path, PropertyMap properties, Limits limits)
    {
        var r = new InputReader(properties);
        var roleArn = r.String("roleArn", required: true);
        var sessionName = r.String("sessionName") ?? DefaultSessionName;
        var externalId = r.String("externalId");
        var duration = r.Integer("durationSeconds", limits.MinDuration, limits.MaxDuration) ?? limits.DefaultDuration;
        var policy = r.String("policy");
        var policyArns = ImmutableArray<string>.Empty;
        var tags = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
        if (limits.AllowsTags)
        {
            policyArns = ReadStrings(r, "policyArns");
            tags = r.StringMap("tags") ?? tags;
        }
        if (roleArn is not null && !roleArn.StartsWith("acs:ram::", StringComparison.Ordinal) && !roleArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            r.Fail("roleArn", limits.Cloud == "aws"
                ? $"'roleArn' must be an IAM role ARN such as arn:aws:iam::123456789012:role/deploy, not \"{roleArn}\""
                : $"'roleArn' must be a RAM role ARN such as acs:ram::123456789012:role/deploy, not \"{roleArn}\"");
        }
        if (sessionName.Length is < 2 or > 64 || !sessionName.All(c => char.IsAsciiLetterOrDigit(c) || "=,.@-_".Contains(c)))
        {
            r.Fail("sessionName", "'sessionName' must be 2 to 64 characters of letters, digits and =,.@-_");
        }
        if (policy is not null && !IsJsonObject(policy))
        {
            r.Fail("policy", "'policy' must be a JSON policy document (an object), e.g. {\"Version\":\"2012-10-17\",\"Statement\":[...]}");
        }
        foreach (var unread in r.UnreadProperties.ToList())
        {
            var known = limits.AllowsTags ? CommonKeys.Concat(AwsOnlyKeys) : CommonKeys;
            r.Fail(unread, $"'{unread}' is not a setting of a role to assume; use {string.Join(", ", known)}");
        }
        foreach (var failure in r.Failures)
        {
            outer.Fail($"{path}.{failure.Property}", failure.Reason.Replace($"'{failure.Property}'", $"'{path}.{failure.Property}'", StringComparison.Ordinal));
        }
        return r.Failures.Count > 0 || roleArn is null
            ? null
            : new RoleToAssume(roleArn, sessionName, externalId, duration, policy, policyArns, tags);
    }

    private static ImmutableArray<string> ReadStrings(InputReader r, string name)
    {
        switch (r.Value(name))
        {
            case null:
                return [];
            case ArrayValue a:
                var items = ImmutableArray.CreateBuilder<string>();
                foreach (var item in a.Items.Select(Unwrap))
                {
                    if (item is StringValue s)
                    {
                        items.Add(s.Value);
                    }
                    else
                    {
                        r.Fail(name, $"'{name}' must be a list of strings");
                    }
                }
                return items.ToImmutable();
            case var v:
                r.Fail(name, $"'{name}' must be a list of strings, not {PropertyCodec.Describe(v)}");
                return [];
        }
    }

    private static PropertyValue? Unwrap(PropertyValue v) => v switch
    {
        SecretValue s => Unwrap(s.Value),
        OutputValue { Value: { } inner } => Unwrap(inner),
        OutputValue or UnknownValue or NullValue => null,
        _ => v,
    };

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static PropertyValue? ParseJson(InputReader r, string key, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return FromJson(document.RootElement);
        }
        catch (JsonException)
        {
            r.Fail(key, $"'{key}' is not valid JSON");
            return null;
        }
    }

    private static PropertyValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new ObjectValue(PropertyMap.From(e.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromJson(p.Value))))),
        JsonValueKind.Array => new ArrayValue([.. e.EnumerateArray().Select(FromJson)]),
        JsonValueKind.String => new StringValue(e.GetString()!),
        JsonValueKind.Number => new NumberValue(e.GetDouble()),
        JsonValueKind.True => new BoolValue(true),
        JsonValueKind.False => new BoolValue(false),
        _ => PropertyValue.Null,
    };
}
