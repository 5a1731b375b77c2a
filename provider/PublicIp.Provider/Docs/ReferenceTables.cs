using System.Text;
using System.Text.RegularExpressions;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Alibaba;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;
using PublicIp.Provider.Diagnostics;
using PublicIp.Provider.Retries;

namespace PublicIp.Provider.Docs;

/// <summary>
/// The README's reference tables (inputs, outputs, config keys, diagnostics, retried codes), written from the same
/// declarations, catalogues and retry rules that drive schema.json and the provider's behaviour. Each table sits
/// between a pair of markers in README.md; `make schema` rewrites what is between them and a test fails when the
/// committed README differs. The prose around the markers is hand-written and left alone.
/// </summary>
public static partial class ReferenceTables
{
    /// <summary>Every generated table, by its marker id.</summary>
    public static IReadOnlyDictionary<string, string> Generate(PublicIpProvider provider)
    {
        var tables = new Dictionary<string, string>(StringComparer.Ordinal) { ["config"] = ConfigTable(ConfigKeys.All) };
        foreach (var resource in provider.Resources.Values)
        {
            var id = resource.Token.Replace("publicip:", "", StringComparison.Ordinal).Replace(':', '-').ToLowerInvariant();
            tables[id + "-inputs"] = InputsTable(resource.Declaration.Properties);
            tables[id + "-outputs"] = OutputsTable(resource.Declaration.Properties);
        }
        tables["ec2-diagnostics"] = DiagnosticsTable(Ec2Diagnostics.Instance, Ec2Retried);
        tables["sts-diagnostics"] = DiagnosticsTable(StsDiagnostics.Instance, _ => "by the AWS SDK's STS client (awsMaxRetries times)");
        tables["ec2-retried"] = Ec2RetriedTable();
        tables["alibaba-diagnostics"] = DiagnosticsTable(AlibabaDiagnostics.Instance, AlibabaRetried);
        tables["alibaba-retried"] = AlibabaRetriedTable();
        return tables;
    }

    /// <summary>The README with every marked table replaced; a marker missing from the README is an error, so no table goes unwritten.</summary>
    public static string Apply(string readme, IReadOnlyDictionary<string, string> tables)
    {
        foreach (var (id, table) in tables)
        {
            var section = new Regex($"(<!-- generated:{Regex.Escape(id)} [^>]*-->\\n)(.*?)(<!-- /generated:{Regex.Escape(id)} -->)", RegexOptions.Singleline);
            if (!section.IsMatch(readme))
            {
                throw new InvalidOperationException($"README.md has no <!-- generated:{id} ... --> ... <!-- /generated:{id} --> markers");
            }
            readme = section.Replace(readme, m => m.Groups[1].Value + table + m.Groups[3].Value, 1);
        }
        return readme;
    }

    /// <summary>The opening marker to put in README.md for a table.</summary>
    public static string Marker(string id) => $"<!-- generated:{id} (written by `make schema` from the declarations; edit those, not this table) -->";

    private static string ConfigTable(IReadOnlyList<PropertySpec> keys)
    {
        var t = new Table("key", "type", "environment fallback", "default", "meaning");
        foreach (var k in keys)
        {
            t.Row(Code(k.Name) + (k.Secret ? " (secret)" : ""), TypeOf(k), k.Environment.Count == 0 ? "—" : string.Join(", ", k.Environment.Select(Code)),
                DefaultOf(k), k.Description);
        }
        return t.ToString();
    }

    private static string InputsTable(IReadOnlyList<PropertySpec> properties)
    {
        var t = new Table("input", "type", "default", "on change", "meaning");
        foreach (var p in properties.Where(p => p.IsInput))
        {
            t.Row(Code(p.Name) + (p.RequiredInput ? " (required)" : "") + (p.Secret ? " (secret)" : ""), TypeOf(p),
                p.Default is not null ? DefaultOf(p) : p.Computed ? "the cloud's" : "—",
                p.ReplaceOnChange ? "replace" : "in place", p.InputDescription);
        }
        return t.ToString();
    }

    private static string OutputsTable(IReadOnlyList<PropertySpec> properties)
    {
        var t = new Table("output", "type", "always set", "meaning");
        foreach (var p in properties.Where(p => p.IsOutput))
        {
            t.Row(Code(p.Name), TypeOf(p), p.RequiredOutput ? "yes" : "no", p.OutputText);
        }
        return t.ToString();
    }

    private static string DiagnosticsTable(IDiagnosticCatalogue catalogue, Func<string, string> retried)
    {
        var t = new Table("code", "what it means", "remedy", "status", "retried?");
        foreach (var e in catalogue.Entries.Values.OrderBy(e => e.Code, StringComparer.Ordinal))
        {
            t.Row(Code(e.Code), e.Title, e.Remedy, FailureStatus.NameOf(e.Kind), retried(e.Code));
        }
        return t.ToString();
    }

    private static string Ec2Retried(string code)
    {
        var how = new List<string>();
        if (Ec2Limits.ThrottlingCodes.Contains(code))
        {
            how.Add("until the deadline");
        }
        if (Ec2Limits.ServerErrorCodes.Contains(code))
        {
            how.Add("up to awsMaxRetries times (until the deadline when answered with HTTP 503)");
        }
        if (code is Ec2ErrorCodes.EndpointUnreachable)
        {
            // Ec2Limits counts a call with no EC2 answer as a server error; CredentialsUnavailable never reached EC2 and is not retried.
            how.Add("up to awsMaxRetries times");
        }
        how.AddRange(Ec2WaitFor.ByCall.Where(c => c.Codes.ContainsKey(code)).Select(c => $"on {c.Calls}, until the deadline"));
        return how.Count == 0 ? "no" : string.Join("; ", how);
    }

    private static string AlibabaRetried(string code)
    {
        var how = new List<string>();
        if (code.Contains("Throttling", StringComparison.Ordinal) || AlibabaLimits.WaitedOutCodes.Contains(code))
        {
            how.Add("until the deadline");
        }
        if (AlibabaLimits.ServerErrorCodes.Contains(code) || code is AlibabaErrorCodes.TransportTimeout or AlibabaErrorCodes.TransportFailure)
        {
            how.Add("up to alicloudMaxRetries times");
        }
        var calls = AlibabaRetry.ByCall.Where(c => c.Codes.Contains(code)).Select(c => c.Calls).ToList();
        if (calls.Count > 0)
        {
            how.Add($"on {string.Join(", ", calls)}, until the deadline");
        }
        return how.Count == 0 ? "no" : string.Join("; ", how);
    }

    private static string Ec2RetriedTable()
    {
        var t = new Table("code", "on", "retried", "why");
        foreach (var code in Ec2Limits.ThrottlingCodes.Order(StringComparer.Ordinal))
        {
            t.Row(Code(code), "every call", "until the operation's deadline", "throttling");
        }
        t.Row("any HTTP 503", "every call", "until the operation's deadline", "throttling");
        foreach (var code in Ec2Limits.ServerErrorCodes.Order(StringComparer.Ordinal))
        {
            t.Row(Code(code), "every call", "up to `awsMaxRetries` times", "a server error");
        }
        t.Row("any other HTTP 5xx, no answer", "every call", "up to `awsMaxRetries` times", "a server error or transport failure");
        foreach (var (calls, codes) in Ec2WaitFor.ByCall)
        {
            foreach (var (code, why) in codes.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                t.Row(Code(code), calls, "until the operation's deadline" + (Ec2WaitFor.ReleaseWaitAtMost(code) is { } window ? $" (at most {window.TotalSeconds:0} s after the first)" : ""), why);
            }
        }
        return t.ToString();
    }

    private static string AlibabaRetriedTable()
    {
        var t = new Table("call", "codes waited out until the operation's deadline");
        foreach (var (calls, codes) in AlibabaRetry.ByCall)
        {
            t.Row(calls, string.Join(", ", codes.Order(StringComparer.Ordinal).Select(Code)));
        }
        t.Row("every call", "throttling (any code containing `Throttling`), " + string.Join(", ", AlibabaLimits.WaitedOutCodes.Select(Code)) +
            " and any HTTP 503, honouring `x-acs-retry-after`; " + string.Join(", ", AlibabaLimits.ServerErrorCodes.Order(StringComparer.Ordinal).Select(Code)) +
            ", other HTTP 5xx and transport failures up to `alicloudMaxRetries` times");
        return t.ToString();
    }

    private static string TypeOf(PropertySpec p) => p.RawType switch
    {
        { } raw when raw.Contains("oneOf", StringComparison.Ordinal) => "object or list",
        { } raw when raw.Contains("$ref", StringComparison.Ordinal) => "object",
        { } raw when raw.Contains("number", StringComparison.Ordinal) => "number",
        _ => p.Type switch
        {
            PropertyType.Boolean => "bool",
            PropertyType.Integer => "integer",
            PropertyType.StringMap => "map",
            PropertyType.StringList => "list",
            _ => "string",
        } + (p.Allowed is { Count: > 0 } allowed ? ": " + string.Join(", ", allowed.Select(Code)) : ""),
    };

    private static string DefaultOf(PropertySpec p) => p.Default switch
    {
        null => "—",
        bool b => Code(b ? "true" : "false"),
        int i => Code(i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        var v => Code(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Code(string text) => $"`{text}`";

    /// <summary>A Markdown table; cells are kept on one line and their pipes escaped.</summary>
    private sealed class Table(params string[] headers)
    {
        private readonly StringBuilder _text = new StringBuilder()
            .Append("| ").AppendJoin(" | ", headers).Append(" |\n")
            .Append('|').AppendJoin("|", headers.Select(_ => "---")).Append("|\n");

        public void Row(params string[] cells) => _text.Append("| ").AppendJoin(" | ", cells.Select(Escape)).Append(" |\n");

        /// <summary>One line, pipes escaped, and outside code spans &lt; and &gt; as entities (a "&lt;region&gt;" would read as an HTML tag).</summary>
        private static string Escape(string cell)
        {
            var parts = Cell().Replace(cell, " ").Replace("|", "\\|", StringComparison.Ordinal).Split('`');
            for (var i = 0; i < parts.Length; i += 2)
            {
                parts[i] = parts[i].Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
            }
            return string.Join('`', parts);
        }

        public override string ToString() => _text.ToString();
    }

    [GeneratedRegex(@"\s*\n\s*")]
    private static partial Regex Cell();
}
