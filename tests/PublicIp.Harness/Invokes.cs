using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Values;

namespace PublicIp.Harness;

/// <summary>What one Invoke answered: the result, the failures naming arguments, or the gRPC error.</summary>
public sealed record InvokeStep(StatusCode Code, string? Error, IReadOnlyList<Protocol.Resources.CheckFailure> Failures, PropertyMap Return)
{
    public bool Ok => Code == StatusCode.OK && Failures.Count == 0;

    public InvokeStep EnsureOk() => Ok
        ? this
        : throw new InvalidOperationException($"Invoke failed: {Code} {Error} {string.Join("; ", Failures.Select(f => f.Property + ": " + f.Reason))}");
}

public static class Invokes
{
    /// <summary>An Invoke as the engine sends it for a program's lookup (preview: during `pulumi preview`).</summary>
    public static async Task<InvokeStep> InvokeAsync(this LifecycleHarness h, string token, PropertyMap args, bool preview = false)
    {
        try
        {
            var response = await h.Client.InvokeAsync(new InvokeRequest { Tok = token, Args = PropertyCodec.Encode(args), Preview = preview });
            return new InvokeStep(StatusCode.OK, null,
                [.. response.Failures.Select(f => new Protocol.Resources.CheckFailure(f.Property, f.Reason))], PropertyCodec.Decode(response.Return));
        }
        catch (RpcException e)
        {
            return new InvokeStep(e.StatusCode, e.Status.Detail, [], PropertyMap.Empty);
        }
    }

    /// <summary>A list of strings out of a result (secrets unwrapped).</summary>
    public static IReadOnlyList<string> Strings(this PropertyMap map, string key) => (map.Get(key) is SecretValue s ? s.Value : map.Get(key)) switch
    {
        ArrayValue a => [.. a.Items.Select(i => (i is SecretValue si ? si.Value : i) is StringValue sv ? sv.Value : "")],
        _ => [],
    };
}
