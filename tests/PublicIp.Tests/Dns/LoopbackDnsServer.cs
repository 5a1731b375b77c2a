using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace PublicIp.Tests.Dns;

/// <summary>
/// An authoritative DNS server on 127.0.0.1 and a free port (UDP and TCP), built on ARSoft.Tools.Net's DnsServer:
/// the zone is a map a test edits while the plugin runs, and a name can be made to answer SERVFAIL or not at all.
/// CNAMEs are answered the way an authoritative server does: the CNAME, plus the target's A records when the
/// target is in the zone (so the guard's CNAME following is exercised both within one answer and across queries).
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _zone = new(StringComparer.OrdinalIgnoreCase);
    private readonly DnsServer _server;
    private readonly CancellationTokenSource _stopping = new();
    private int _queries;

    private static readonly TimeSpan SilentFor = TimeSpan.FromSeconds(8);

    private abstract record Entry;
    private sealed record AEntry(IPAddress[] Addresses) : Entry;
    private sealed record CnameEntry(string Target, bool AnswerTargetInSameResponse) : Entry;
    private sealed record FailEntry(ReturnCode Code) : Entry;
    private sealed record SilentEntry : Entry;

    private LoopbackDnsServer(IPEndPoint endpoint)
    {
        Endpoint = endpoint;
        _server = new DnsServer(new UdpServerTransport(endpoint, 2000), new TcpServerTransport(endpoint, 2000, 2000));
        _server.QueryReceived += OnQueryAsync;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>"127.0.0.1:PORT", as publicip:dnsResolver takes it.</summary>
    public string Address => $"127.0.0.1:{Endpoint.Port}";

    public int Queries => Volatile.Read(ref _queries);

    public static LoopbackDnsServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort());
            var server = new LoopbackDnsServer(endpoint);
            try
            {
                server._server.Start();
                return server;
            }
            catch (SocketException) when (attempt < 5)
            {
                server._server.Stop(); // the port was taken between probing and binding: try another
            }
        }
    }

    public void SetA(string name, params string[] addresses) => _zone[Key(name)] = new AEntry([.. addresses.Select(IPAddress.Parse)]);

    /// <param name="sameResponse">Also answer the target's A records (as most servers do for in-zone targets).</param>
    public void SetCname(string name, string target, bool sameResponse = true) => _zone[Key(name)] = new CnameEntry(Key(target), sameResponse);

    public void ServerFailure(string name) => _zone[Key(name)] = new FailEntry(ReturnCode.ServerFailure);

    /// <summary>Queries for the name get no answer at all: the resolver times out.</summary>
    public void NoAnswer(string name) => _zone[Key(name)] = new SilentEntry();

    public void Remove(string name) => _zone.TryRemove(Key(name), out _);

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        Interlocked.Increment(ref _queries);
        if (e.Query is not DnsMessage query || query.Questions.Count != 1)
        {
            return;
        }
        var question = query.Questions[0];
        var name = Key(question.Name.ToString());
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        switch (_zone.GetValueOrDefault(name))
        {
            case SilentEntry:
                // ARSoft answers SERVFAIL when a handler sets no response, so a silent server is a slow one:
                // it answers only long after every client timeout (the plugin waits 2 s, twice).
                try
                {
                    await Task.Delay(SilentFor, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            case FailEntry fail:
                response.ReturnCode = fail.Code;
                break;
            case null:
                response.ReturnCode = ReturnCode.NxDomain;
                break;
            case var entry:
                response.ReturnCode = ReturnCode.NoError;
                if (question.RecordType is RecordType.A or RecordType.CName or RecordType.Any)
                {
                    Answer(response, name, entry, depth: 0);
                }
                break;
        }
        e.Response = response;
    }

    private void Answer(DnsMessage response, string name, Entry entry, int depth)
    {
        switch (entry)
        {
            case AEntry a:
                foreach (var address in a.Addresses)
                {
                    response.AnswerRecords.Add(new ARecord(DomainName.Parse(name), 5, address));
                }
                break;
            case CnameEntry c:
                response.AnswerRecords.Add(new CNameRecord(DomainName.Parse(name), 5, DomainName.Parse(c.Target)));
                if (c.AnswerTargetInSameResponse && depth < 8 && _zone.GetValueOrDefault(c.Target) is { } target and (AEntry or CnameEntry))
                {
                    Answer(response, c.Target, target, depth + 1);
                }
                break;
        }
    }

    private static string Key(string name) => name.TrimEnd('.').ToLowerInvariant();

    private static int FreePort()
    {
        // A port free for both UDP and TCP.
        while (true)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken for UDP: another port
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _server.Stop();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }
}
