namespace PublicIp.Alibaba;

/// <summary>An AccessKey pair, optionally with an STS token. ToString never shows the secret or the token.</summary>
public sealed record AlibabaCredentials(string AccessKeyId, string AccessKeySecret, string? SecurityToken = null)
{
    // Records print every property by default; a credential ending up in a log line must not leak the secret.
    public override string ToString() =>
        $"AlibabaCredentials {{ AccessKeyId = {AccessKeyId}, AccessKeySecret = ***, SecurityToken = {(SecurityToken is null ? "<none>" : "***")} }}";
}

/// <summary>Thrown when no usable credentials can be found. The message names the variables, never their values.</summary>
public sealed class AlibabaCredentialsException(string message) : Exception(message);

/// <summary>
/// Resolves credentials from explicit values first, then the environment: the official SDK names
/// (ALIBABA_CLOUD_*) win over the names pulumi-alicloud and terraform read (ALICLOUD_*).
/// The environment is injected so tests never touch the process environment.
/// </summary>
public sealed class AlibabaCredentialsResolver(Func<string, string?> environment)
{
    public static AlibabaCredentialsResolver FromProcessEnvironment() => new(Environment.GetEnvironmentVariable);

    public AlibabaCredentials Resolve(string? accessKeyId = null, string? accessKeySecret = null, string? securityToken = null)
    {
        var id = FirstNonEmpty(accessKeyId, environment("ALIBABA_CLOUD_ACCESS_KEY_ID"), environment("ALICLOUD_ACCESS_KEY"));
        var secret = FirstNonEmpty(accessKeySecret, environment("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), environment("ALICLOUD_SECRET_KEY"));
        var token = FirstNonEmpty(securityToken, environment("ALIBABA_CLOUD_SECURITY_TOKEN"), environment("ALICLOUD_SECURITY_TOKEN"));
        if (id is null || secret is null)
        {
            throw new AlibabaCredentialsException(
                "Alibaba Cloud credentials are missing: set accessKeyId/accessKeySecret, or ALIBABA_CLOUD_ACCESS_KEY_ID and " +
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY).");
        }
        return new AlibabaCredentials(id, secret, token);
    }

    private static string? FirstNonEmpty(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}
