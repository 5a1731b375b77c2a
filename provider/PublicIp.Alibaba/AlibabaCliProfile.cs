using System.Text.Json;

namespace PublicIp.Alibaba;

/// <summary>A profile of the Alibaba Cloud CLI: the signing credentials, and the role to assume with them (RamRoleArn modes).</summary>
public sealed record AlibabaProfileCredentials(string Name, string Mode, AlibabaCredentials Credentials, AlibabaRole? Role);

/// <summary>
/// Reads the Alibaba Cloud CLI's profile file (<c>~/.aliyun/config.json</c>) as the official credentials SDKs do after
/// the environment: the named profile (else the file's <c>current</c>, else <c>default</c>) in mode AK, StsToken,
/// RamRoleArn, or ChainableRamRoleArn (a role assumed with another profile's keys). Modes that need a metadata service
/// or a browser (EcsRamRole, OIDC, External, CloudSSO) are refused with a message that says what to use instead.
/// </summary>
public static class AlibabaCliProfile
{
    public const string DefaultSessionName = "pulumi-publicip";

    /// <summary>The profile, or null when the file does not exist or is empty (the chain then has nothing more to try).</summary>
    public static AlibabaProfileCredentials? Load(string path, string? profileName)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new AlibabaCredentialsException($"the Alibaba Cloud CLI profile file {Path.GetFileName(path)} is not valid JSON; fix it with `aliyun configure`");
        }
        using (document)
        {
            var root = document.RootElement;
            var name = profileName ?? (root.ValueKind == JsonValueKind.Object ? JsonRead.String(root, "current") : null) ?? "default";
            return Resolve(root, name, depth: 0);
        }
    }

    private static AlibabaProfileCredentials Resolve(JsonElement root, string name, int depth)
    {
        var profile = Find(root, name) ?? throw new AlibabaCredentialsException(
            $"the Alibaba Cloud CLI profile file has no profile '{name}'; list them with `aliyun configure list`");
        var mode = JsonRead.String(profile, "mode") ?? "AK";
        switch (mode)
        {
            case "AK":
                return new(name, mode, Keys(profile, name, token: null), null);
            case "StsToken":
                return new(name, mode, Keys(profile, name, Required(profile, name, "sts_token")), null);
            case "RamRoleArn":
                return new(name, mode, Keys(profile, name, JsonRead.String(profile, "sts_token") is { Length: > 0 } t ? t : null), Role(profile, name));
            case "ChainableRamRoleArn" when depth < 4:
                var source = Resolve(root, Required(profile, name, "source_profile"), depth + 1);
                if (source.Role is not null)
                {
                    throw new AlibabaCredentialsException($"the source profile of Alibaba Cloud CLI profile '{name}' assumes a role itself; publicip assumes one role per profile");
                }
                return new(name, mode, source.Credentials, Role(profile, name));
            default:
                throw new AlibabaCredentialsException(
                    $"the Alibaba Cloud CLI profile '{name}' uses mode {mode}, which publicip does not read; use a profile in mode AK, StsToken, RamRoleArn or " +
                    "ChainableRamRoleArn, the ALIBABA_CLOUD_* environment variables, or publicip:alicloudAccessKey/alicloudSecretKey with alicloudAssumeRole");
        }
    }

    private static JsonElement? Find(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("profiles", out var profiles) || profiles.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var profile in profiles.EnumerateArray())
        {
            if (profile.ValueKind == JsonValueKind.Object && JsonRead.String(profile, "name") == name)
            {
                return profile;
            }
        }
        return null;
    }

    private static AlibabaCredentials Keys(JsonElement profile, string name, string? token) =>
        new(Required(profile, name, "access_key_id"), Required(profile, name, "access_key_secret"), token);

    private static AlibabaRole Role(JsonElement profile, string name)
    {
        var seconds = profile.TryGetProperty("expired_seconds", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var s) && s >= 900 ? s : 3600;
        return new AlibabaRole(
            Required(profile, name, "ram_role_arn"),
            JsonRead.String(profile, "ram_session_name") is { Length: > 0 } session ? session : DefaultSessionName,
            JsonRead.String(profile, "external_id") is { Length: > 0 } externalId ? externalId : null,
            seconds,
            null);
    }

    private static string Required(JsonElement profile, string name, string key) =>
        JsonRead.String(profile, key) is { Length: > 0 } value
            ? value
            : throw new AlibabaCredentialsException($"the Alibaba Cloud CLI profile '{name}' has no {key}; run `aliyun configure --profile {name}`");
}
