using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PublicIp.AwsEmulation;

/// <summary>A session the portal handed out: for which account and role, and the key EC2 calls are then signed with.</summary>
public sealed record SsoRoleSession(string AccountId, string RoleName, string AccessKeyId);

/// <summary>
/// The AWS access portal's GetRoleCredentials (the "SSO" service the SDK's SSO credentials call), which moto does
/// not implement, emulated from its API reference: <c>GET /federation/credentials?account_id=&amp;role_name=</c> with
/// the cached access token in <c>x-amz-sso_bearer_token</c>, answering <c>{"roleCredentials": {accessKeyId,
/// secretAccessKey, sessionToken, expiration (epoch milliseconds)}}</c>, or 401 UnauthorizedException for a token it
/// did not issue. Keys start with ASIA like every temporary AWS key, so the proxy's journal shows which one signed.
/// </summary>
public sealed class SsoPortal
{
    public const string CredentialsPath = "/federation/credentials";

    private readonly ConcurrentQueue<SsoRoleSession> _issued = new();

    /// <summary>The access token a user's `aws sso login` cached; null refuses every call.</summary>
    public string? AccessToken { get; set; }

    public IReadOnlyList<SsoRoleSession> Issued => [.. _issued];

    internal static bool Handles(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && string.Equals(request.Path.Value, CredentialsPath, StringComparison.Ordinal);

    internal async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.ContentType = "application/json";
        if (AccessToken is null || request.Headers["x-amz-sso_bearer_token"].ToString() != AccessToken)
        {
            response.StatusCode = (int)HttpStatusCode.Unauthorized;
            response.Headers["x-amzn-ErrorType"] = "UnauthorizedException";
            await response.WriteAsync("""{"message":"Session token not found or invalid"}""", context.RequestAborted);
            return;
        }
        var account = request.Query["account_id"].ToString();
        var role = request.Query["role_name"].ToString();
        if (account.Length == 0 || role.Length == 0)
        {
            response.StatusCode = (int)HttpStatusCode.BadRequest;
            response.Headers["x-amzn-ErrorType"] = "InvalidRequestException";
            await response.WriteAsync("""{"message":"account_id and role_name are required"}""", context.RequestAborted);
            return;
        }
        var key = "ASIA" + Random(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        _issued.Enqueue(new SsoRoleSession(account, role, key));
        var body = new JsonObject
        {
            ["roleCredentials"] = new JsonObject
            {
                ["accessKeyId"] = key,
                ["secretAccessKey"] = Random(40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                ["sessionToken"] = Random(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                ["expiration"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
            },
        };
        response.StatusCode = (int)HttpStatusCode.OK;
        await response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static string Random(int length, string alphabet) => RandomNumberGenerator.GetString(alphabet, length);
}
