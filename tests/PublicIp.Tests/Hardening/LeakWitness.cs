using System.Text;
using Grpc.Core;
using PublicIp.Harness;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Hardening;

/// <summary>
/// Everything a canary test lets out of the plugin: errors, Check failures, outputs as someone without the stack's
/// secrets reads them, gRPC status details and trailers, stdout, stderr and every Engine.Log message. At the end no
/// canary may appear in it, as given or percent-encoded once or twice.
/// </summary>
internal sealed class LeakWitness
{
    private readonly List<string> _seen = [];

    public void Add(string? text) => _seen.Add(text ?? "");

    public void AddRange(IEnumerable<string> texts) => _seen.AddRange(texts);

    public StepResult Saw(StepResult step)
    {
        Add(step.Error);
        AddRange(step.CheckFailures.Select(f => f.Property + ": " + f.Reason));
        Add(Visible(step.Outputs));
        return step;
    }

    public void Saw(RpcException e)
    {
        Add(e.Status.Detail);
        AddRange(e.Trailers.Select(t => t.IsBinary ? Encoding.UTF8.GetString(t.ValueBytes) : t.Value));
    }

    /// <summary>Stops the plugin (so its streams are complete) and takes stdout, stderr and the engine's log.</summary>
    public async Task SawPluginAsync(LifecycleHarness h)
    {
        await h.Plugin.ShutdownAsync();
        Add(h.Plugin.Stdout);
        Add(h.Plugin.Stderr);
        AddRange(h.Engine.Messages.Select(m => $"{m.Severity} {m.Message}"));
    }

    /// <summary>An output as someone without the stack's secrets reads it: secrets are opaque.</summary>
    public static string Visible(PropertyMap outputs)
    {
        var sb = new StringBuilder();
        void Walk(PropertyValue v)
        {
            switch (v)
            {
                case SecretValue: sb.Append("[secret] "); break;
                case StringValue s: sb.Append(s.Value).Append(' '); break;
                case NumberValue n: sb.Append(n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' '); break;
                case ArrayValue a: foreach (var i in a.Items) { Walk(i); } break;
                case ObjectValue o: foreach (var (k, i) in o.Properties) { sb.Append(k).Append('='); Walk(i); } break;
                case OutputValue { Secret: false, Value: { } inner }: Walk(inner); break;
            }
        }
        foreach (var (k, v) in outputs)
        {
            sb.Append(k).Append('=');
            Walk(v);
        }
        return sb.ToString();
    }

    public void AssertNoneOf(IEnumerable<string> canaries)
    {
        var everything = string.Join("\n", _seen);
        foreach (var canary in canaries
                     .SelectMany(c => new[] { c, Uri.EscapeDataString(c), Uri.EscapeDataString(Uri.EscapeDataString(c)) })
                     .Distinct(StringComparer.Ordinal))
        {
            Assert.False(everything.Contains(canary, StringComparison.Ordinal), $"'{canary}' leaked: ...{Around(everything, canary)}...");
        }
    }

    private static string Around(string text, string needle)
    {
        var i = text.IndexOf(needle, StringComparison.Ordinal);
        return text[Math.Max(0, i - 200)..Math.Min(text.Length, i + needle.Length + 100)];
    }
}
