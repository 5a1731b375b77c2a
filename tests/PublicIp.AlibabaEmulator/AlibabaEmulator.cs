using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PublicIp.Alibaba.Signing;

namespace PublicIp.AlibabaEmulator;

/// <summary>
/// A stateful stand-in for the ECS and VPC RPC endpoints on a free loopback port. It checks every request's signature
/// (ACS3 and v1) the way Alibaba does, keeps instances and EIPs, and can be told to fail on purpose.
/// </summary>
public sealed class AlibabaEmulator : IAsyncDisposable
{
    private static readonly HashSet<string> CommonV1Parameters = new(StringComparer.Ordinal)
    {
        "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "SecurityToken", "Signature",
    };

    private readonly WebApplication _app;
    private readonly AlibabaEmulatorOptions _options;
    private readonly ConcurrentDictionary<string, byte> _usedNonces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EmulatorRequest> _log = new();
    private readonly Lock _faultGate = new();
    private readonly List<Fault> _faults = [];

    // Sessions STS AssumeRole issued: the key, its secret and token, the role, and when it stops being accepted.
    private readonly ConcurrentDictionary<string, (EmulatorCredential Credential, string RoleArn, DateTimeOffset Expires)> _sessions = new(StringComparer.Ordinal);

    /// <summary>The access key ids STS AssumeRole issued, oldest first is not guaranteed.</summary>
    public IReadOnlyCollection<string> IssuedSessionKeys => [.. _sessions.Keys];

    /// <summary>Every session STS AssumeRole issued: key, secret and token.</summary>
    public IReadOnlyCollection<EmulatorCredential> IssuedSessions => [.. _sessions.Values.Select(s => s.Credential)];

    private AlibabaEmulator(WebApplication app, AlibabaEmulatorOptions options)
    {
        _app = app;
        _options = options;
        World = new EmulatorWorld(options);
    }

    /// <summary>The instances and EIPs; seed and inspect them from tests.</summary>
    public EmulatorWorld World { get; }

    /// <summary>http://127.0.0.1:PORT</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>127.0.0.1:PORT, the form the official SDKs take as `endpoint`.</summary>
    public string HostAndPort => Endpoint.Authority;

    public IReadOnlyList<EmulatorRequest> Requests => _log.ToArray();

    /// <summary>Alibaba's API flow control (token buckets per API); null, the default, answers every call.</summary>
    public EmulatorFlowControl? FlowControl { get; set; }

    public static async Task<AlibabaEmulator> StartAsync(AlibabaEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AlibabaEmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var emulator = new AlibabaEmulator(app, options);
        app.Run(emulator.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        emulator.Endpoint = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ---- fault injection -------------------------------------------------------------------------------------------

    /// <summary>The next <paramref name="count"/> calls of <paramref name="action"/> (null: any) get Throttling.User with x-acs-retry-after.</summary>
    public void ThrottleNext(string? action, int count, int retryAfterMs = 100) =>
        AddFault(action, count, new EmulatorErrorException(400, "Throttling.User", "Request was denied due to user flow control.", retryAfterMs));

    /// <summary>The next calls answer 503 ServiceUnavailable.</summary>
    public void ServiceUnavailableNext(string? action, int count) =>
        AddFault(action, count, new EmulatorErrorException(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."));

    /// <summary>The next calls answer with this exact error.</summary>
    public void FailNext(string? action, string code, int status = 400, string? message = null, int count = 1) =>
        AddFault(action, count, new EmulatorErrorException(status, code, message ?? $"Injected {code}."));

    /// <summary>
    /// The next calls answer <paramref name="code"/> with a message that quotes the caller's AccessKeyId and
    /// SecurityToken as they came in the request (not worded as a string to sign): what a client lets through of a
    /// cloud message that echoes request material, whatever its wording.
    /// </summary>
    public void EchoCredentialsNext(string? action, string code = "IncompleteSignature", int count = 1)
    {
        lock (_faultGate)
        {
            _faults.Add(new Fault(action, count, null, null) { EchoCode = code });
        }
    }

    /// <summary>The next calls are held this long (real time) before being processed, for timeout and cancellation tests.</summary>
    public void DelayNext(string? action, int count, TimeSpan delay)
    {
        lock (_faultGate)
        {
            _faults.Add(new Fault(action, count, null, delay));
        }
    }

    /// <summary>Drops every injected fault that has not fired yet.</summary>
    public void ClearFaults()
    {
        lock (_faultGate)
        {
            _faults.Clear();
        }
    }

    /// <summary>
    /// The next call is carried out, then answered with this error: "it happened but the answer was lost". A client that
    /// retries with the same ClientToken gets the first result back; with a new token it acts a second time.
    /// </summary>
    public void LoseAnswerNext(string action, string code, int status = 400) =>
        AddFault(new Fault(action, 1, new EmulatorErrorException(status, code, $"Injected {code} after the call was carried out."), null) { AfterHandling = true });

    /// <summary>
    /// The next call of <paramref name="action"/> is held this long (real time), before it is carried out or, with
    /// <paramref name="afterHandling"/>, after it (the change is made, the answer waits). The task completes when the
    /// call reaches the hold: the point at which a crash test kills the caller. A caller that hangs up ends the hold,
    /// and a call held before handling is then never carried out.
    /// </summary>
    public Task HoldNext(string action, TimeSpan delay, bool afterHandling = false)
    {
        var fault = new Fault(action, 1, null, delay) { AfterHandling = afterHandling };
        AddFault(fault);
        return fault.Arrived.Task;
    }

    /// <summary>The next call is carried out, then its answer is held this long: a window to kill the caller after the change.</summary>
    public Task HoldAnswerNext(string action, TimeSpan delay) => HoldNext(action, delay, afterHandling: true);

    private void AddFault(Fault fault)
    {
        lock (_faultGate)
        {
            _faults.Add(fault);
        }
    }

    private void AddFault(string? action, int count, EmulatorErrorException error)
    {
        lock (_faultGate)
        {
            _faults.Add(new Fault(action, count, error, null));
        }
    }

    private static async Task ApplyAsync(Fault fault, CancellationToken cancellationToken)
    {
        fault.Arrived.TrySetResult();
        if (fault.Delay is { } delay)
        {
            await Task.Delay(delay, cancellationToken);
        }
        if (fault.Error is { } injected)
        {
            throw injected;
        }
    }

    private Fault? TakeFault(string action)
    {
        lock (_faultGate)
        {
            var fault = _faults.FirstOrDefault(f => f.Remaining > 0 && (f.Action is null || f.Action == action));
            if (fault is null)
            {
                return null;
            }
            fault.Remaining--;
            return fault;
        }
    }

    private sealed class Fault(string? action, int remaining, EmulatorErrorException? error, TimeSpan? delay)
    {
        public string? Action { get; } = action;
        public int Remaining { get; set; } = remaining;
        public EmulatorErrorException? Error { get; } = error;
        public TimeSpan? Delay { get; } = delay;
        public string? EchoCode { get; init; }

        /// <summary>Carry the call out first, then delay and/or fail the answer.</summary>
        public bool AfterHandling { get; init; }

        /// <summary>Completed when a call takes this fault (before its delay).</summary>
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // ---- request pipeline ------------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var bodyBytes = await ReadBodyAsync(request, context.RequestAborted);
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var all = new Dictionary<string, string>(query, StringComparer.Ordinal);
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            // tea-rpc and pop-core POST put parameters in the body; the signature covers query and body merged.
            foreach (var (key, value) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(bodyBytes)))
            {
                all[key] = value.ToString();
            }
        }
        var isV3 = request.Headers.Authorization.ToString().StartsWith(Acs3Signer.Algorithm, StringComparison.Ordinal);
        var action = isV3 ? request.Headers["x-acs-action"].ToString() : all.GetValueOrDefault("Action");
        var version = isV3 ? request.Headers["x-acs-version"].ToString() : all.GetValueOrDefault("Version");
        var apiParameters = isV3 ? all : all.Where(p => !CommonV1Parameters.Contains(p.Key)).ToDictionary(StringComparer.Ordinal);
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        var product = version switch { "2016-04-28" => "Vpc", StsVersion => "Sts", _ => "Ecs" };
        string? accessKeyId = null;
        string? nonce = null;
        try
        {
            (accessKeyId, nonce) = isV3 ? VerifyAcs3(request, query, bodyBytes) : VerifyV1(request.Method, all);
            if (string.IsNullOrEmpty(action))
            {
                throw new EmulatorErrorException(400, "MissingParameter", "The input parameter \"Action\" that is mandatory for processing this request is not supplied.");
            }
            if (FlowControl?.Check(action) is { } throttled)
            {
                throw throttled;
            }
            var fault = TakeFault(action);
            if (fault is { AfterHandling: false })
            {
                await ApplyAsync(fault, context.RequestAborted);
                if (fault.EchoCode is { } echo)
                {
                    var token = isV3 ? request.Headers["x-acs-security-token"].ToString() : all.GetValueOrDefault("SecurityToken");
                    throw new EmulatorErrorException(400, echo, $"The request was refused. It came with AccessKeyId={accessKeyId}&SecurityToken={token}.");
                }
            }
            var result = product == "Sts" ? AssumeRole(action, apiParameters) : World.Handle(version ?? "", action, apiParameters);
            if (fault is { AfterHandling: true })
            {
                await ApplyAsync(fault, context.RequestAborted);
            }
            result["RequestId"] = requestId;
            Log(action, apiParameters, isV3, request.Method, accessKeyId, nonce, 200, null);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json;charset=utf-8";
            await context.Response.WriteAsync(result.ToJsonString(), context.RequestAborted);
        }
        catch (EmulatorErrorException e)
        {
            Log(action, apiParameters, isV3, request.Method, accessKeyId, nonce, e.Status, e.Code);
            var body = new JsonObject
            {
                ["RequestId"] = requestId,
                ["HostId"] = $"{product.ToLowerInvariant()}.aliyuncs.com",
                ["Code"] = e.Code,
                ["Message"] = e.Message,
                ["Recommend"] = $"https://api.aliyun.com/troubleshoot?q={e.Code}&product={product}&requestId={requestId}",
            };
            context.Response.StatusCode = e.Status;
            context.Response.ContentType = "application/json;charset=utf-8";
            if (e.RetryAfterMs is { } ms)
            {
                context.Response.Headers["x-acs-retry-after"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Log(action, apiParameters, isV3, request.Method, accessKeyId, nonce, 499, "ClientClosedRequest");
        }
    }

    private void Log(string? action, Dictionary<string, string> parameters, bool isV3, string method, string? accessKeyId, string? nonce, int status, string? code) =>
        _log.Enqueue(new EmulatorRequest(action, parameters, isV3 ? EmulatorSignatureVersion.Acs3HmacSha256 : EmulatorSignatureVersion.RpcV1,
            method, accessKeyId, nonce, status, code));

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    // ---- signature verification ------------------------------------------------------------------------------------

    private (string AccessKeyId, string Nonce) VerifyAcs3(HttpRequest request, Dictionary<string, string> query, byte[] body)
    {
        var auth = Acs3Signer.ParseAuthorization(request.Headers.Authorization.ToString())
            ?? throw new EmulatorErrorException(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
        var credential = FindCredential(auth.Credential);
        foreach (var required in new[] { "host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256" })
        {
            if (!auth.SignedHeaders.Contains(required))
            {
                throw new EmulatorErrorException(400, "IncompleteSignature", $"The request signature does not conform to Aliyun standards: {required} is not signed.");
            }
        }
        CheckTimestamp(request.Headers["x-acs-date"].ToString());
        var contentHash = request.Headers["x-acs-content-sha256"].ToString();
        var signedHeaders = auth.SignedHeaders
            .Select(name => new KeyValuePair<string, string>(name, request.Headers[name].ToString()))
            .ToList();
        var expected = Acs3Signer.Sign(request.Method, request.Path.HasValue ? request.Path.Value! : "/", query, signedHeaders, contentHash, credential.AccessKeySecret);
        // The header only claims the body's hash; a body changed in flight must not pass with the old claim.
        if (!AcsEncoding.FixedTimeEquals(expected.Signature, auth.Signature) || contentHash != AcsEncoding.Sha256Hex(body))
        {
            throw SignatureDoesNotMatch();
        }
        CheckSecurityToken(credential, auth.SignedHeaders.Contains("x-acs-security-token") ? request.Headers["x-acs-security-token"].ToString() : null);
        var nonce = request.Headers["x-acs-signature-nonce"].ToString();
        UseNonce(nonce);
        return (credential.AccessKeyId, nonce);
    }

    private (string AccessKeyId, string Nonce) VerifyV1(string method, Dictionary<string, string> all)
    {
        if (!all.TryGetValue("Signature", out var signature))
        {
            throw new EmulatorErrorException(400, "MissingSignature", "The input parameter \"Signature\" that is mandatory for processing this request is not supplied.");
        }
        var credential = FindCredential(all.GetValueOrDefault("AccessKeyId") ?? "");
        if (all.GetValueOrDefault("SignatureMethod") != RpcV1Signer.SignatureMethod)
        {
            throw new EmulatorErrorException(400, "InvalidSignatureMethod", "Specified signature method is not valid.");
        }
        CheckTimestamp(all.GetValueOrDefault("Timestamp"));
        var expected = RpcV1Signer.Sign(method, all, credential.AccessKeySecret);
        if (!AcsEncoding.FixedTimeEquals(expected.Signature, signature))
        {
            // RPC v1 as Alibaba answers it: the message quotes the server's string to sign, AccessKeyId and
            // SecurityToken included, so a client that passes messages through leaks them.
            throw new EmulatorErrorException(400, "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:" + expected.StringToSign);
        }
        CheckSecurityToken(credential, all.GetValueOrDefault("SecurityToken"));
        var nonce = all.GetValueOrDefault("SignatureNonce")
            ?? throw new EmulatorErrorException(400, "MissingSignatureNonce", "The input parameter \"SignatureNonce\" that is mandatory for processing this request is not supplied.");
        UseNonce(nonce);
        return (credential.AccessKeyId, nonce);
    }

    private static EmulatorErrorException SignatureDoesNotMatch() =>
        new(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");

    private EmulatorCredential FindCredential(string accessKeyId)
    {
        if (_sessions.TryGetValue(accessKeyId, out var session))
        {
            return _options.Clock.GetUtcNow() < session.Expires
                ? session.Credential
                : throw new EmulatorErrorException(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.");
        }
        return _options.Credentials.FirstOrDefault(c => c.AccessKeyId == accessKeyId)
            ?? throw new EmulatorErrorException(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }

    private const string StsVersion = "2015-04-01";

    /// <summary>
    /// STS AssumeRole (2015-04-01) as its API reference describes it: RoleArn and RoleSessionName required, DurationSeconds
    /// 900 to 43200 (default 3600); the answer's Credentials carry an STS.-prefixed key, its secret, the SecurityToken that
    /// must accompany it, and an ISO 8601 Expiration. Calls signed with an expired session get InvalidSecurityToken.Expired.
    /// </summary>
    private JsonObject AssumeRole(string action, IReadOnlyDictionary<string, string> p)
    {
        if (action != "AssumeRole")
        {
            throw new EmulatorErrorException(400, "InvalidAction.NotFound", $"Specified api {action} is not found.");
        }
        var roleArn = p.GetValueOrDefault("RoleArn");
        if (string.IsNullOrEmpty(roleArn) || !roleArn.StartsWith("acs:ram::", StringComparison.Ordinal))
        {
            throw new EmulatorErrorException(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.");
        }
        var sessionName = p.GetValueOrDefault("RoleSessionName");
        if (string.IsNullOrEmpty(sessionName))
        {
            throw new EmulatorErrorException(400, "MissingRoleSessionName", "RoleSessionName is mandatory for this action.");
        }
        var seconds = p.TryGetValue("DurationSeconds", out var d) ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : 3600;
        if (seconds is < 900 or > 43200)
        {
            throw new EmulatorErrorException(400, "InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr.");
        }
        var expires = _options.Clock.GetUtcNow() + (_options.StsSessionLifetime ?? TimeSpan.FromSeconds(seconds));
        var credential = _options.IssueStsCredential?.Invoke()
            ?? new EmulatorCredential("STS." + Guid.NewGuid().ToString("N")[..20], Guid.NewGuid().ToString("N"), "CAIS" + Guid.NewGuid().ToString("N"));
        _sessions[credential.AccessKeyId] = (credential, roleArn, expires);
        return new JsonObject
        {
            ["Credentials"] = new JsonObject
            {
                ["AccessKeyId"] = credential.AccessKeyId,
                ["AccessKeySecret"] = credential.AccessKeySecret,
                ["SecurityToken"] = credential.SecurityToken,
                ["Expiration"] = expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            },
            ["AssumedRoleUser"] = new JsonObject
            {
                ["Arn"] = $"{roleArn.Replace(":role/", ":assumed-role/", StringComparison.Ordinal)}/{sessionName}",
                ["AssumedRoleId"] = $"3{Random.Shared.NextInt64(10000000000000, 99999999999999)}:{sessionName}",
            },
        };
    }

    private void CheckTimestamp(string? value)
    {
        if (!AcsEncoding.TryParseTimestamp(value, out var timestamp))
        {
            throw new EmulatorErrorException(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.");
        }
        if ((timestamp - _options.Clock.GetUtcNow()).Duration() > _options.MaxClockSkew)
        {
            throw new EmulatorErrorException(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
        }
    }

    private static void CheckSecurityToken(EmulatorCredential credential, string? token)
    {
        if (credential.SecurityToken != token)
        {
            throw new EmulatorErrorException(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified security token does not match the access key.");
        }
    }

    private void UseNonce(string nonce)
    {
        if (!_usedNonces.TryAdd(nonce, 0))
        {
            throw new EmulatorErrorException(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        }
    }
}
