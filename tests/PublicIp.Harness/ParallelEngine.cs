using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pulumirpc;
using PublicIp.Protocol.Values;

namespace PublicIp.Harness;

/// <summary>What one engine RPC of a mass step ended with.</summary>
public sealed record ParallelOutcome(string Name, StatusCode Code, string? Error, string? Id, PropertyMap Outputs)
{
    public bool Ok => Code == StatusCode.OK;
}

/// <summary>
/// Drives many resources at once the way the engine does under `pulumi up/destroy --parallel N`: at most N Create or
/// Delete RPCs in flight against one plugin process, each with its own timeout, none waiting for the others.
/// </summary>
public static class ParallelEngine
{
    public static Task<ParallelOutcome[]> DeleteAsync(ResourceProvider.ResourceProviderClient client, IEnumerable<StateEntry> resources, int parallel,
        double timeoutSeconds = 0) =>
        RunAsync(resources, parallel, async r =>
        {
            await client.DeleteAsync(new DeleteRequest
            {
                Id = r.Id, Urn = r.Urn, Name = r.Name, Type = r.Type,
                Properties = PropertyCodec.Encode(r.Outputs), OldInputs = PropertyCodec.Encode(r.Inputs), Timeout = timeoutSeconds,
            });
            return new ParallelOutcome(r.Name, StatusCode.OK, null, r.Id, PropertyMap.Empty);
        }, r => r.Name);

    public static Task<ParallelOutcome[]> CreateAsync(ResourceProvider.ResourceProviderClient client, IEnumerable<ResourceSpec> resources, int parallel) =>
        RunAsync(resources, parallel, async r =>
        {
            var urn = LifecycleHarness.Urn(r.Type, r.Name);
            var check = await client.CheckAsync(new CheckRequest
            {
                Urn = urn, Name = r.Name, Type = r.Type, Olds = new Struct(), News = PropertyCodec.Encode(r.Inputs),
                RandomSeed = Google.Protobuf.ByteString.CopyFrom(new byte[32]),
            });
            if (check.Failures.Count > 0)
            {
                return new ParallelOutcome(r.Name, StatusCode.InvalidArgument, string.Join("; ", check.Failures.Select(f => f.Reason)), null, PropertyMap.Empty);
            }
            var created = await client.CreateAsync(new CreateRequest
            {
                Urn = urn, Name = r.Name, Type = r.Type, Properties = check.Inputs, Timeout = r.TimeoutSeconds,
            });
            return new ParallelOutcome(r.Name, StatusCode.OK, null, created.Id, PropertyCodec.Decode(created.Properties));
        }, r => r.Name);

    private static async Task<ParallelOutcome[]> RunAsync<T>(IEnumerable<T> items, int parallel, Func<T, Task<ParallelOutcome>> run, Func<T, string> name)
    {
        using var gate = new SemaphoreSlim(parallel);
        return await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                return await run(item);
            }
            catch (RpcException e)
            {
                return new ParallelOutcome(name(item), e.StatusCode, e.Status.Detail, null, PropertyMap.Empty);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
