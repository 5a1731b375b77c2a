using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace PublicIp.AwsEmulation;

/// <summary>
/// An HTTP server in front of moto that enforces the EC2 rules moto skips (<see cref="Ec2ProxyRules"/>)
/// and answers scripted faults with EC2's own error XML. The provider binary under test is pointed at
/// <see cref="Endpoint"/> and cannot tell it from EC2 for the calls it makes.
/// </summary>
public sealed class Ec2FaultProxy : IAsyncDisposable
{
    // Headers that describe one hop, or that HttpClient computes itself, must not be copied across.
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host", "Content-Length",
    };

    // The calls that name an AllocationId and that AWS refuses once the address is someone else's.
    private static readonly string[] ForeignAccountActions = ["ReleaseAddress", "DescribeAddresses", "AssociateAddress"];

    private readonly WebApplication _app;
    private readonly HttpClient _moto;
    private readonly Uri _motoEndpoint;
    private readonly List<InjectedFault> _faults = [];
    private readonly ConcurrentDictionary<string, Amazon.EC2.AmazonEC2Client> _motoClients = new(StringComparer.Ordinal);
    private readonly AwsRules _rules;
    private readonly HashSet<string> _takenByOthers = new(StringComparer.Ordinal);

    private Ec2FaultProxy(WebApplication app, Uri motoEndpoint, Ec2ProxyRules rules)
    {
        _app = app;
        _motoEndpoint = motoEndpoint;
        _moto = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = motoEndpoint,
            Timeout = TimeSpan.FromSeconds(60),
        };
        Rules = rules;
        _rules = new AwsRules(this);
    }

    /// <summary>http://127.0.0.1:PORT — give this to the SDK or the provider as the EC2 endpoint.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public Ec2ProxyRules Rules { get; set; }

    public RequestJournal Journal { get; } = new();

    /// <summary>The reverse DNS attribute of every address (moto has none): set records, pending updates, the forward-check switch.</summary>
    public PtrRecords Ptr { get; } = new();

    /// <summary>STS sessions as the proxy shortens and expires them (off until a test sets a lifetime).</summary>
    public StsSessions Sessions { get; } = new();

    /// <summary>The SSO access portal (GetRoleCredentials), which moto lacks: point AWS_ENDPOINT_URL_SSO here.</summary>
    public SsoPortal Sso { get; } = new();

    /// <summary>EC2's request throttling (token buckets per action); null, the default, answers every call.</summary>
    public Ec2Throttling? Throttling { get; set; }

    /// <summary>Whether calls are recorded in <see cref="Journal"/> (benchmarks of thousands of calls turn it off and count instead).</summary>
    public bool Journaling { get; set; } = true;

    /// <summary>Calls answered so far, per action (counted even when <see cref="Journaling"/> is off).</summary>
    public IReadOnlyDictionary<string, long> CallCounts => _callCounts.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, long> _callCounts = new(StringComparer.Ordinal);

    /// <summary>Starts a proxy on a free loopback port, forwarding to <paramref name="motoEndpoint"/>.</summary>
    public static async Task<Ec2FaultProxy> StartAsync(Uri motoEndpoint, Ec2ProxyRules? rules = null, CancellationToken cancellationToken = default)
    {
        // The empty builder reads no appsettings and watches no files: many proxies per test run stay cheap.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new Ec2FaultProxy(app, motoEndpoint, rules ?? Ec2ProxyRules.AllOn);
        app.Run(proxy.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        proxy.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return proxy;
    }

    /// <summary>Installs a fault. Faults are tried in installation order; the first that fires answers.</summary>
    public InjectedFault Inject(Fault fault)
    {
        var injected = new InjectedFault(fault);
        lock (_faults)
        {
            _faults.Add(injected);
        }
        return injected;
    }

    public void ClearFaults()
    {
        lock (_faults)
        {
            _faults.Clear();
        }
    }

    /// <summary>
    /// Releases the address in moto, then makes EC2 answer as it does once another account has
    /// allocated the same address: AuthFailure "does not belong to you" for ReleaseAddress,
    /// DescribeAddresses and AssociateAddress naming this AllocationId.
    /// </summary>
    public async Task<IReadOnlyList<InjectedFault>> ReleaseToAnotherAccountAsync(string allocationId, string region = Ec2TestClient.DefaultRegion, CancellationToken cancellationToken = default)
    {
        var described = await MotoClient(region).DescribeAddressesAsync(new Amazon.EC2.Model.DescribeAddressesRequest { AllocationIds = [allocationId] }, cancellationToken);
        foreach (var address in described.Addresses ?? [])
        {
            MarkTakenByAnotherAccount(address.PublicIp);
        }
        await MotoClient(region).ReleaseAddressAsync(new Amazon.EC2.Model.ReleaseAddressRequest { AllocationId = allocationId }, cancellationToken);
        var error = Ec2Error.AuthFailureNotYours(allocationId);
        return [.. ForeignAccountActions.Select(action => Inject(Fault.Error(action, error).ForAllocationId(allocationId).Always()))];
    }

    /// <summary>
    /// Another account has allocated <paramref name="publicIp"/> (after this one released it): AllocateAddress with
    /// Address=publicIp, EC2's recovery path, answers InvalidAddress.NotFound from now on.
    /// </summary>
    public void MarkTakenByAnotherAccount(string publicIp)
    {
        lock (_takenByOthers)
        {
            _takenByOthers.Add(publicIp);
        }
    }

    internal bool IsTakenByAnotherAccount(string publicIp)
    {
        lock (_takenByOthers)
        {
            return _takenByOthers.Contains(publicIp);
        }
    }

    /// <summary>
    /// The address is held by a NAT gateway or load balancer that is still letting go: ReleaseAddress
    /// answers AuthFailure "You do not have permission..." for <paramref name="attempts"/> calls, then forwards.
    /// </summary>
    public InjectedFault HoldByManagedService(string allocationId, int attempts) =>
        Inject(Fault.Error("ReleaseAddress", Ec2Error.AuthFailureNoPermission()).ForAllocationId(allocationId).FiresTimes(attempts));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _moto.Dispose();
        foreach (var client in _motoClients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>A client that talks to moto directly, bypassing rules and faults; the rules use it to look up state.</summary>
    internal Amazon.EC2.AmazonEC2Client MotoClient(string region) =>
        _motoClients.GetOrAdd(region, r => Ec2TestClient.Create(_motoEndpoint, r));

    /// <summary>Like <see cref="MotoClient(string)"/>, in the account of the key that signed <paramref name="request"/>.</summary>
    internal Amazon.EC2.AmazonEC2Client MotoClient(Ec2Request request) => request.AccessKeyId is { } key && key != "testing"
        ? _motoClients.GetOrAdd(request.Region + "/" + key, _ => Ec2TestClient.Create(_motoEndpoint, request.Region, key))
        : MotoClient(request.Region);

    private async Task HandleAsync(HttpContext context)
    {
        if (SsoPortal.Handles(context.Request))
        {
            await Sso.AnswerAsync(context);
            return;
        }
        var cancellationToken = context.RequestAborted;
        var body = await ReadBodyAsync(context.Request, cancellationToken);
        var request = ParseEc2Request(context.Request, body);
        if (request is null)
        {
            // Not an EC2 Query call (e.g. /moto-api/reset): pass through untouched and unrecorded.
            await CopyToClientAsync(context, await ForwardAsync(context.Request, body, cancellationToken), cancellationToken);
            return;
        }

        _callCounts.AddOrUpdate(request.Action, 1, (_, n) => n + 1);
        if (Throttling is { } throttling && !throttling.TryTake(request.Region, request.Action))
        {
            await ReplyErrorAsync(context, request, Ec2Error.RequestLimitExceeded(), Ec2Outcome.Throttled, cancellationToken);
            return;
        }
        if (Sessions.Refuse(request) is { } expired)
        {
            await ReplyErrorAsync(context, request, expired, Ec2Outcome.Rule, cancellationToken);
            return;
        }

        foreach (var fault in SnapshotFaults())
        {
            if (!fault.TryFire(request))
            {
                continue;
            }
            switch (fault.Fault.Effect)
            {
                case AddLatency latency:
                    await Task.Delay(latency.Delay, cancellationToken);
                    continue;
                case ReplyWithError reply:
                    await ReplyErrorAsync(context, request, reply.Error, Ec2Outcome.Fault, cancellationToken);
                    return;
                case ReplyEchoingRequest echo:
                    await ReplyErrorAsync(context, request, echo.For(request, context.Request.Headers.Authorization.ToString()), Ec2Outcome.Fault, cancellationToken);
                    return;
                case ForwardThenError after:
                    using (await ForwardAsync(context.Request, body, cancellationToken))
                    {
                        await ReplyErrorAsync(context, request, after.Error, Ec2Outcome.Fault, cancellationToken);
                    }
                    return;
                case ForwardThenHold hold:
                    using (var held = await ForwardAsync(context.Request, body, cancellationToken))
                    {
                        var heldBody = await held.Content.ReadAsByteArrayAsync(cancellationToken);
                        if (held.IsSuccessStatusCode)
                        {
                            heldBody = _rules.AfterSuccess(request, Rules, heldBody);
                        }
                        Journal.Record(request, Ec2Outcome.Fault, held.StatusCode, held.IsSuccessStatusCode ? null : ErrorCodeOf(heldBody));
                        await Task.Delay(hold.Delay, cancellationToken);
                        await WriteResponseAsync(context, held, heldBody, cancellationToken);
                    }
                    return;
                default:
                    throw new InvalidOperationException($"Unknown fault effect {fault.Fault.Effect.GetType().Name}");
            }
        }

        if (PtrRecords.Handles(request.Action))
        {
            var (answer, error) = await Ptr.AnswerAsync(request, MotoClient(request), cancellationToken);
            if (error is not null)
            {
                await ReplyErrorAsync(context, request, error, Ec2Outcome.Emulated, cancellationToken);
                return;
            }
            Journal.Record(request, Ec2Outcome.Emulated, HttpStatusCode.OK, null);
            context.Response.StatusCode = (int)HttpStatusCode.OK;
            context.Response.ContentType = "text/xml;charset=UTF-8";
            await context.Response.WriteAsync(answer!, Encoding.UTF8, cancellationToken);
            return;
        }

        var rules = Rules;
        var ruleError = request.DryRun ? null : await _rules.CheckAsync(request, rules, cancellationToken);
        if (ruleError is not null)
        {
            await ReplyErrorAsync(context, request, ruleError, Ec2Outcome.Rule, cancellationToken);
            return;
        }

        var forwardedBody = rules.ImplicitReassociationWhenFlagOmitted && request.Action == "AssociateAddress" && !request.Has("AllowReassociation")
            ? Concat(body, "&AllowReassociation=true")
            : body;
        using var response = await ForwardAsync(context.Request, forwardedBody, cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            responseBody = Sessions.AfterSuccess(request, _rules.AfterSuccess(request, rules, responseBody));
        }
        if (Journaling)
        {
            Journal.Record(request, Ec2Outcome.Forwarded, response.StatusCode, response.IsSuccessStatusCode ? null : ErrorCodeOf(responseBody));
        }
        await WriteResponseAsync(context, response, responseBody, cancellationToken);
    }

    private InjectedFault[] SnapshotFaults()
    {
        lock (_faults)
        {
            return [.. _faults];
        }
    }

    private async Task ReplyErrorAsync(HttpContext context, Ec2Request request, Ec2Error error, Ec2Outcome outcome, CancellationToken cancellationToken)
    {
        if (Journaling)
        {
            Journal.Record(request, outcome, error.Status, error.Code);
        }
        var requestId = Guid.NewGuid();
        context.Response.StatusCode = (int)error.Status;
        context.Response.ContentType = "text/xml";
        context.Response.Headers["x-amzn-RequestId"] = requestId.ToString();
        await context.Response.WriteAsync(error.ToXml(requestId), Encoding.UTF8, cancellationToken);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>EC2 Query calls carry Action in a form body (SDKs) or the query string (curl, presigned).</summary>
    private static Ec2Request? ParseEc2Request(HttpRequest request, byte[] body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query)
        {
            parameters[key] = value.ToString();
        }
        var isForm = request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ?? false;
        if (isForm && body.Length > 0)
        {
            foreach (var (key, value) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)))
            {
                parameters[key] = value.ToString();
            }
        }
        if (!parameters.TryGetValue("Action", out var action) || string.IsNullOrEmpty(action))
        {
            return null;
        }
        var authorization = request.Headers.Authorization.ToString();
        var region = Ec2Request.RegionFromAuthorization(authorization, Ec2TestClient.DefaultRegion);
        var (accessKeyId, service) = Ec2Request.SignerFromAuthorization(authorization);
        var token = request.Headers["X-Amz-Security-Token"].ToString();
        return new Ec2Request(action, parameters, region)
        {
            AccessKeyId = accessKeyId, Service = service,
            SecurityToken = token.Length > 0 ? token : parameters.GetValueOrDefault("X-Amz-Security-Token"),
        };
    }

    private async Task<HttpResponseMessage> ForwardAsync(HttpRequest incoming, byte[] body, CancellationToken cancellationToken)
    {
        using var outgoing = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(incoming.Path + incoming.QueryString, UriKind.Relative))
        {
            Content = new ByteArrayContent(body),
        };
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }
            // Moto routes on the Authorization header's credential scope, so it must survive the hop.
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        return await _moto.SendAsync(outgoing, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    private static async Task CopyToClientAsync(HttpContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            await WriteResponseAsync(context, response, body, cancellationToken);
        }
    }

    private static async Task WriteResponseAsync(HttpContext context, HttpResponseMessage response, byte[] body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = new StringValues([.. header.Value]);
            }
        }
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }

    private static byte[] Concat(byte[] body, string suffix) => [.. body, .. Encoding.UTF8.GetBytes(suffix)];

    private static string? ErrorCodeOf(byte[] body)
    {
        try
        {
            var document = XDocument.Parse(Encoding.UTF8.GetString(body));
            return document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            // Moto answers unimplemented filters with an HTML page; there is no code to report.
            return null;
        }
    }
}
