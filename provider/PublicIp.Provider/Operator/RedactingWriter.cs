using System.Text;
using PublicIp.Protocol.Host;

namespace PublicIp.Provider.Operator;

/// <summary>
/// The terminal side of the rule the plugin keeps for the engine: whatever an operator command prints (tables, JSON,
/// diagnostics, a cloud's error that echoes the signed request) passes through the same secrets first, the
/// configured credentials and those obtained at run time (assumed roles, web identity, renewals).
/// Text is held until a line ends or the writer is flushed, so a secret written in pieces is still replaced whole.
/// </summary>
internal sealed class RedactingWriter(TextWriter inner, ProviderSecrets secrets) : TextWriter
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value)
    {
        lock (_gate)
        {
            _pending.Append(value);
            if (value == '\n')
            {
                Drain();
            }
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        lock (_gate)
        {
            _pending.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                Drain();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (_gate)
        {
            Drain();
            inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }
        base.Dispose(disposing);
    }

    private void Drain()
    {
        if (_pending.Length == 0)
        {
            return;
        }
        inner.Write(secrets.Redact(_pending.ToString()));
        _pending.Clear();
    }
}

/// <summary>
/// Spectre's output on the redacting writer. Spectre recognises a terminal only by the writer being Console.Out
/// itself, so this says what Console.Out would, and a person at a terminal keeps the progress bar and colours.
/// </summary>
internal sealed class RedactingConsoleOutput(RedactingWriter writer) : Spectre.Console.IAnsiConsoleOutput
{
    public TextWriter Writer => writer;

    public bool IsTerminal => !System.Console.IsOutputRedirected;

    public int Width => Measure(() => System.Console.WindowWidth, 80);

    public int Height => Measure(() => System.Console.WindowHeight, 24);

    private int Measure(Func<int> size, int fallback)
    {
        try
        {
            return IsTerminal && size() is > 0 and var n ? n : fallback;
        }
        catch (IOException)
        {
            return fallback; // no console to ask (a detached session)
        }
    }

    public void SetEncoding(Encoding encoding)
    {
        if (IsTerminal)
        {
            System.Console.OutputEncoding = encoding;
        }
    }
}
