using System.Net;
using DnsClient;
using DnsClient.Protocol;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients;
using PublicIp.Provider.Configuration;

namespace PublicIp.Provider.Release;

public static class DnsNames
{
    /// <summary>A fully qualified host name (at least two labels; letters, digits and hyphens; a trailing dot allowed).</summary>
    public static bool IsHostName(string name)
    {
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        return trimmed.Length is > 0 and <= 253 && trimmed.Contains('.')
            && trimmed.Split('.').All(label => label.Length is > 0 and <= 63
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_') && label[0] != '-' && label[^1] != '-');
    }
}

/// <summary>What a name resolves to now: the A records at the end of its CNAME chain, or why it could not be told.</summary>
/// <param name="Chain">The CNAME targets followed, in order.</param>
/// <param name="Failure">Set when the resolver gave no usable answer (timeout, SERVFAIL, REFUSED, ...).</param>
public sealed record NameResolution(string Name, IReadOnlyList<string> Chain, IReadOnlyList<string> Addresses, string? Failure)
{
    public string Describe()
    {
        var via = string.Concat(Chain.Select(c => $" → CNAME {c}"));
        return Failure is not null
            ? $"{Name}{via} could not be resolved ({Failure})"
            : Addresses.Count == 0 ? $"{Name}{via} → no A record" : $"{Name}{via} → A {string.Join(", ", Addresses)}";
    }
}

/// <summary>The seam the guard resolves through; <see cref="DnsClientLookup"/> in the plugin.</summary>
public interface IDnsLookup
{
    /// <summary>How the resolver is named in a diagnostic, e.g. "dnsResolver 127.0.0.1:5353".</summary>
    string ResolverName { get; }

    Task<NameResolution> ResolveAsync(string name, CancellationToken ct);
}

/// <summary>A records, following CNAMEs, with DnsClient; no cache, so a name moved a second ago is seen as moved.</summary>
public sealed class DnsClientLookup : IDnsLookup
{
    private const int MaxChain = 10;

    private readonly LookupClient _client;

    public DnsClientLookup(IPEndPoint? server, TimeSpan timeout)
    {
        var options = server is null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(server));
        options.UseCache = false;
        options.Timeout = timeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.UseTcpFallback = true;
        _client = new LookupClient(options);
        ResolverName = server is null
            ? $"the system's resolver ({string.Join(", ", _client.NameServers.Select(n => $"{n.Address}:{n.Port}"))})"
            : $"dnsResolver {server}";
    }

    public string ResolverName { get; }

    public async Task<NameResolution> ResolveAsync(string name, CancellationToken ct)
    {
        var chain = new List<string>();
        var current = Canonical(name);
        for (var query = 0; query < MaxChain; query++)
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.QueryAsync(current, QueryType.A, QueryClass.IN, ct);
            }
            catch (DnsResponseException e)
            {
                return new NameResolution(name, chain, [], e.Code == DnsResponseCode.ConnectionTimeout ? $"no answer from {ResolverName}: timed out" : $"{e.DnsError} from {ResolverName}");
            }
            if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                return new NameResolution(name, chain, [], null); // NXDOMAIN is an answer: the name does not exist
            }
            if (response.HasError)
            {
                return new NameResolution(name, chain, [], $"{response.ErrorMessage} from {ResolverName}");
            }
            // Recursive resolvers return the whole chain in one answer; an authoritative server may stop at a CNAME.
            var records = response.Answers;
            var asked = current;
            for (var hop = 0; hop < MaxChain; hop++)
            {
                var addresses = records.ARecords().Where(a => Canonical(a.DomainName.Value) == current).Select(a => a.Address.ToString()).ToList();
                if (addresses.Count > 0)
                {
                    return new NameResolution(name, chain, addresses, null);
                }
                if (records.CnameRecords().FirstOrDefault(c => Canonical(c.DomainName.Value) == current) is not { } cname)
                {
                    break;
                }
                current = Canonical(cname.CanonicalName.Value);
                chain.Add(current);
            }
            if (current == asked)
            {
                return new NameResolution(name, chain, [], null); // NODATA: the name exists with no A record
            }
            // The answer ended at a CNAME target it did not resolve: ask for the target itself.
        }
        return new NameResolution(name, chain, [], $"the CNAME chain is longer than {MaxChain} names");
    }

    private static string Canonical(string name) => name.TrimEnd('.').ToLowerInvariant();
}

/// <summary>
/// Before Delete changes anything: every name in releaseGuardDnsNames is resolved, and a name that still points at
/// the address refuses the release. A released address goes back to the pool, and whoever allocates it next would
/// receive that name's traffic (subdomain takeover). A name the resolver cannot answer for (timeout, SERVFAIL,
/// REFUSED) refuses too: the guard cannot tell, and "cannot tell" must never count as "safe". NXDOMAIN and
/// NODATA are answers, and let the release go on.
/// </summary>
public static class DnsGuard
{
    /// <summary>The schema description of every resource's releaseGuardDnsNames input (one text, three resources).</summary>
    public const string PropertyDescription =
        "DNS host names that must no longer point at the address when it is released. Before Delete changes anything it resolves each name " +
            "(A records, following CNAMEs, with `publicip:dnsResolver`); a name that still resolves to the address refuses the delete, naming the names and " +
            "what they resolve to, and the resource stays in the stack. A name the resolver cannot answer for (timeout, SERVFAIL, REFUSED) refuses too; " +
            "NXDOMAIN or no A record lets the release go on. Unset: `publicip:releaseGuardDnsNames`; an empty list switches the guard off for this resource. " +
            "Changing it updates in place without calling the cloud.";

    public static async Task CheckAsync(IDnsLookup lookup, string publicIp, IReadOnlyList<string> names, string subject, IResourceLog log, CancellationToken ct)
    {
        if (names.Count == 0)
        {
            return;
        }
        var results = await Task.WhenAll(names.Select(n => lookup.ResolveAsync(n, ct)));
        var pointing = results.Where(r => r.Failure is null && r.Addresses.Contains(publicIp, StringComparer.Ordinal)).ToList();
        var unknown = results.Where(r => r.Failure is not null).ToList();
        if (pointing.Count == 0 && unknown.Count == 0)
        {
            await log.DebugAsync($"release guard: none of {string.Join(", ", names)} resolves to {publicIp} any more ({lookup.ResolverName}): " +
                string.Join("; ", results.Select(r => r.Describe())));
            return;
        }
        var lines = pointing.Concat(unknown).Select(r => "  - " + r.Describe() + (r.Failure is null ? "" : ": the guard cannot tell whether it still points at the address"));
        var remedy = new List<string>();
        if (pointing.Count > 0)
        {
            remedy.Add($"point {string.Join(", ", pointing.Select(p => p.Name))} elsewhere (or delete the records), wait for their TTL to pass, then run the destroy again");
        }
        if (unknown.Count > 0)
        {
            remedy.Add($"make {lookup.ResolverName} answer for {string.Join(", ", unknown.Select(u => u.Name))} (or set publicip:dnsResolver to one that can), then run the destroy again");
        }
        remedy.Add("if you are sure no name points at the address, remove the names from releaseGuardDnsNames and run `pulumi up` before destroying");
        throw new ResourceException(FailureKind.FailedPrecondition,
            $"refusing to release {subject}: {(pointing.Count > 0 ? $"DNS still points at {publicIp}" : "the release guard could not resolve every name")} " +
            $"(releaseGuardDnsNames, resolved with {lookup.ResolverName}); a released address goes back to the pool, and whoever allocates it next receives that traffic. " +
            "Nothing was changed and the address stays in the stack.\n" + string.Join("\n", lines) + "\nTo release it: " + string.Join("; or ", remedy) + ".");
    }
}

/// <summary>What Delete guards with: the address, the names that must no longer point at it, and the resolver.</summary>
public sealed record ReleaseGuard(string PublicIp, IReadOnlyList<string> Names, IDnsLookup Lookup)
{
    /// <summary>The resource's own list when it sets one (an empty list switches the guard off), else the provider's default.</summary>
    public static ReleaseGuard? For(string publicIp, IReadOnlyList<string>? resourceNames, CloudClients clients) =>
        (resourceNames ?? clients.Config.ReleaseGuardDnsNames) is { Count: > 0 } names ? new(publicIp, names, clients.Dns) : null;
}

public static class DnsLookupFactory
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The resolver from dnsResolver (host:port, a host name resolved once here), or the system's.</summary>
    public static IDnsLookup Create(string? resolver)
    {
        if (resolver is null || ProviderConfig.ParseResolver(resolver) is not { } parsed)
        {
            return new DnsClientLookup(null, Timeout);
        }
        var address = IPAddress.TryParse(parsed.Host, out var ip) ? ip : Dns.GetHostAddresses(parsed.Host).First();
        return new DnsClientLookup(new IPEndPoint(address, parsed.Port), Timeout);
    }
}
