using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Grpc.Core;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Tests.Protocol;

/// <summary>
/// Resources and clouds speak in <see cref="FailureKind"/>s; only the protocol host knows gRPC. The provider's compiled
/// assembly is read, so a `using Grpc.Core` that slips back in fails here, not in review. (How each kind reaches the
/// engine is tested through the binary: PluginHostTests, BadInputTests.)
/// </summary>
public class FailureKindBoundaryTests
{
    [Fact]
    public void The_provider_assembly_references_no_gRPC_status_or_exception()
    {
        using var stream = File.OpenRead(typeof(Ec2Diagnostics).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var referenced = metadata.TypeReferences
            .Select(h => metadata.GetTypeReference(h))
            .Select(t => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}")
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("PublicIp.Protocol.Resources.ResourceException", referenced);
        Assert.DoesNotContain("Grpc.Core.StatusCode", referenced);
        Assert.DoesNotContain("Grpc.Core.Status", referenced);
        Assert.DoesNotContain("Grpc.Core.RpcException", referenced);
    }

    [Fact]
    public void Every_kind_reaches_the_engine_as_an_expected_failure_not_a_bug()
    {
        var statuses = Enum.GetValues<FailureKind>().Select(FailureStatus.Of).ToList();
        Assert.DoesNotContain(StatusCode.Internal, statuses);
        Assert.DoesNotContain(StatusCode.Unknown, statuses);
        Assert.DoesNotContain(StatusCode.OK, statuses);
        Assert.Equal(statuses.Count, statuses.Distinct().Count());
    }
}
