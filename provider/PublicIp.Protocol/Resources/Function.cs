using PublicIp.Protocol.Values;

namespace PublicIp.Protocol.Resources;

/// <summary>What the protocol layer dispatches an Invoke to for one function token.</summary>
public interface IFunctionType
{
    string Token { get; }

    /// <summary>Its arguments (the declaration's inputs) and result (its outputs): the schema's `functions` entry.</summary>
    IDeclaration Declaration { get; }

    Task<InvokeResult> InvokeAsync(ResourceCall call, PropertyMap args);
}

/// <summary>A function's answer: the result, or (when the arguments are wrong) failures naming each argument.</summary>
public sealed record InvokeResult(PropertyMap Return, IReadOnlyList<CheckFailure> Failures);

/// <summary>
/// An invoke (data source) in one file: its args record, its result record, their <see cref="Declaration"/>, and one
/// read. Arguments are read and checked from the declaration exactly as resource inputs are (a failure names the
/// argument, an argument the declaration does not know is a failure); the result is written from its outputs.
/// </summary>
public abstract class Function<TArgs, TResult> : IFunctionType
    where TArgs : class, new()
    where TResult : class, new()
{
    public abstract Declaration<TArgs, TResult> Declaration { get; }

    IDeclaration IFunctionType.Declaration => Declaration;

    public string Token => Declaration.Token;

    /// <summary>Rules that involve more than one argument; single-argument rules are declared.</summary>
    protected virtual void Validate(TArgs args, InputReader reader)
    {
    }

    /// <summary>The lookup itself: read-only calls only, so it runs the same in a preview.</summary>
    protected abstract Task<TResult> InvokeAsync(ResourceCall call, TArgs args);

    async Task<InvokeResult> IFunctionType.InvokeAsync(ResourceCall call, PropertyMap args)
    {
        var reader = new InputReader(args);
        var typed = Declaration.ReadArgs(reader);
        foreach (var unread in reader.UnreadProperties.ToList())
        {
            reader.Fail(unread, $"'{unread}' is not an argument of {Token}");
        }
        // A lookup cannot run on a value the program does not know yet; the SDKs wait for it, a raw caller must too.
        foreach (var unknown in reader.Unknowns.Order(StringComparer.Ordinal))
        {
            reader.Fail(unknown, $"'{unknown}' is not known yet; {Token} needs every argument's value");
        }
        Validate(typed, reader);
        if (reader.Failures.Count > 0)
        {
            return new InvokeResult(PropertyMap.Empty, reader.Failures);
        }
        return new InvokeResult(Declaration.WriteState(await InvokeAsync(call, typed)), []);
    }
}
