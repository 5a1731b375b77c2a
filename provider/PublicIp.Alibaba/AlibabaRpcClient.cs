using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;
using PublicIp.Alibaba.Signing;

namespace PublicIp.Alibaba;

/// <summary>One RPC call. Parameters are the API's own (flattened lists such as Tag.1.Key); common ones are added by the client.</summary>
public sealed record AlibabaRequest(AlibabaProduct Product, string Action, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>
    /// The API takes a ClientToken: the client adds one (unless the caller gave one) and keeps it for every retry,
    /// so a retried mutation is recognised by the server as the same logical call.
    /// </summary>
    public bool UsesClientToken { get; init; }
}

public interface IAlibabaRpcClient
{
    /// <summary>Sends the call (with retries) and returns the JSON body of the successful answer.</summary>
    /// <exception cref="AlibabaApiException">The API answered with an error.</exception>
    /// <exception cref="AlibabaTransportException">No usable answer (connection failure or timeout).</exception>
    Task<JsonElement> CallAsync(AlibabaRequest request, CancellationToken cancellationToken);
}

/// <summary>RPC-style client for ECS 2014-05-26 and VPC 2016-04-28 with signing, typed errors and Polly retries.</summary>
public sealed class AlibabaRpcClient : IAlibabaRpcClient
{
    private readonly AlibabaClientOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly INonceSource _nonces;
    private readonly ResiliencePipeline _pipeline;

    public AlibabaRpcClient(AlibabaClientOptions options, HttpClient httpClient, TimeProvider? timeProvider = null, INonceSource? nonceSource = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        _options = options;
        _http = httpClient;
        _time = timeProvider ?? TimeProvider.System;
        _nonces = nonceSource ?? new RandomNonceSource();
        _pipeline = BuildPipeline();
    }

    public async Task<JsonElement> CallAsync(AlibabaRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parameters = new Dictionary<string, string>(request.Parameters, StringComparer.Ordinal);
        if (request.UsesClientToken && !parameters.ContainsKey("ClientToken"))
        {
            parameters["ClientToken"] = _nonces.NextClientToken();
        }
        var attempts = 0;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await SendOnceAsync(request.Product, request.Action, parameters, token);
            }, cancellationToken);
        }
        catch (AlibabaApiException e)
        {
            e.Attempts = attempts;
            throw;
        }
        catch (AlibabaTransportException e)
        {
            e.Attempts = attempts;
            throw;
        }
    }

    private ResiliencePipeline BuildPipeline()
    {
        if (_options.MaxRetries == 0)
        {
            return ResiliencePipeline.Empty;
        }
        var onRetry = _options.OnRetry;
        var maxDelay = _options.MaxDelay;
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is AlibabaApiException { IsRetryable: true } or AlibabaTransportException),
                // The server knows best how long its throttle lasts; its hint replaces our backoff (capped by MaxDelay).
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is AlibabaApiException { RetryAfter: { } after } ? (TimeSpan?)(after < maxDelay ? after : maxDelay) : null),
                OnRetry = args =>
                {
                    var cause = args.Outcome.Exception!;
                    var action = cause switch
                    {
                        AlibabaApiException api => api.Action,
                        AlibabaTransportException transport => transport.Action,
                        _ => "?",
                    };
                    onRetry?.Invoke(new AlibabaRetryEvent(action, args.AttemptNumber + 1, args.RetryDelay, cause));
                    return default;
                },
            })
            .Build();
    }

    private Uri EndpointFor(AlibabaProduct product) =>
        _options.EndpointOverrides.TryGetValue(product, out var overridden) ? overridden : AlibabaEndpoints.Resolve(product, _options.RegionId);

    private async Task<JsonElement> SendOnceAsync(AlibabaProduct product, string action, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        // Each attempt is signed afresh: a retried request with the old nonce would be refused as a replay.
        var credentials = _options.CredentialsSource is { } source ? await source.GetAsync(cancellationToken) : _options.Credentials;
        using var message = BuildMessage(product, action, parameters, credentials);
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token);
            body = await response.Content.ReadAsStringAsync(linked.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlibabaTransportException(action, $"no answer within {_options.RequestTimeout.TotalMilliseconds} ms", isTimeout: true, e);
        }
        catch (HttpRequestException e)
        {
            throw new AlibabaTransportException(action, "request failed: " + e.Message, isTimeout: false, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw ParseError(action, response, body);
            }
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new AlibabaTransportException(action, $"unreadable success body (HTTP {(int)response.StatusCode})", isTimeout: false, e);
            }
        }
    }

    private HttpRequestMessage BuildMessage(AlibabaProduct product, string action, IReadOnlyDictionary<string, string> parameters, AlibabaCredentials credentials)
    {
        var endpoint = EndpointFor(product);
        var baseUrl = $"{endpoint.Scheme}://{endpoint.Authority}/";
        var version = AlibabaEndpoints.ApiVersion(product);
        var timestamp = AcsEncoding.FormatTimestamp(_time.GetUtcNow());
        var nonce = _nonces.NextNonce();

        if (_options.SignatureMode == AlibabaSignatureMode.Acs3HmacSha256)
        {
            var query = AcsEncoding.EncodeSortedPairs(parameters);
            var message = new HttpRequestMessage(HttpMethod.Post, query.Length == 0 ? baseUrl : baseUrl + "?" + query);
            var headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                // HttpClient sends Uri.Authority as Host (port only when not the default), so sign exactly that.
                ["host"] = endpoint.Authority,
                ["x-acs-action"] = action,
                ["x-acs-version"] = version,
                ["x-acs-date"] = timestamp,
                ["x-acs-signature-nonce"] = nonce,
                ["x-acs-content-sha256"] = AcsEncoding.EmptyBodySha256,
            };
            if (credentials.SecurityToken is { } token)
            {
                headers["x-acs-accesskey-id"] = credentials.AccessKeyId;
                headers["x-acs-security-token"] = token;
            }
            var signature = Acs3Signer.Sign("POST", "/", parameters, headers, AcsEncoding.EmptyBodySha256, credentials.AccessKeySecret);
            foreach (var (name, value) in headers.Where(h => h.Key != "host"))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
            message.Headers.TryAddWithoutValidation("Authorization", signature.AuthorizationHeader(credentials.AccessKeyId));
            message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            message.Content = new ByteArrayContent([]);
            return message;
        }

        var common = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = version,
            ["Format"] = "JSON",
            ["AccessKeyId"] = credentials.AccessKeyId,
            ["SignatureMethod"] = RpcV1Signer.SignatureMethod,
            ["SignatureVersion"] = RpcV1Signer.SignatureVersion,
            ["SignatureNonce"] = nonce,
            ["Timestamp"] = timestamp,
        };
        if (credentials.SecurityToken is { } stsToken)
        {
            common["SecurityToken"] = stsToken;
        }
        var inForm = _options.SignatureMode == AlibabaSignatureMode.RpcV1Form;
        var queryParams = inForm ? common : common.Concat(parameters).ToDictionary(StringComparer.Ordinal);
        var v1 = RpcV1Signer.Sign("POST", common.Concat(parameters), credentials.AccessKeySecret);
        var url = baseUrl + "?" + AcsEncoding.EncodeSortedPairs(queryParams) + "&Signature=" + AcsEncoding.PercentEncode(v1.Signature);
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.TryAddWithoutValidation("x-acs-action", action);
        request.Headers.TryAddWithoutValidation("x-acs-version", version);
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        request.Content = inForm
            ? new StringContent(AcsEncoding.EncodeSortedPairs(parameters), Encoding.UTF8, "application/x-www-form-urlencoded")
            : new ByteArrayContent([]);
        return request;
    }

    private static AlibabaApiException ParseError(string action, HttpResponseMessage response, string body)
    {
        TimeSpan? retryAfter = null;
        if (response.Headers.TryGetValues("x-acs-retry-after", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            retryAfter = TimeSpan.FromMilliseconds(ms);
        }
        string? code = null, message = null, requestId = null, hostId = null, recommend = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = document.RootElement;
                code = JsonRead.String(root, "Code");
                message = JsonRead.String(root, "Message");
                requestId = JsonRead.String(root, "RequestId");
                hostId = JsonRead.String(root, "HostId");
                recommend = JsonRead.String(root, "Recommend");
            }
        }
        catch (JsonException)
        {
            // A proxy or load balancer answered (HTML, empty); keep the HTTP status as the only fact.
        }
        var status = response.StatusCode;
        return new AlibabaApiException(
            code ?? (status >= HttpStatusCode.InternalServerError ? "ServiceUnavailable" : $"Http{(int)status}"),
            message ?? $"HTTP {(int)status} without an Alibaba error body",
            requestId, hostId, recommend, status, action, retryAfter);
    }
}
